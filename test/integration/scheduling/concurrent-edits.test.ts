import { expect } from "chai";
import { createAuditService, type AuditLog } from "../../../server/audit/index.js";
import type { AuthUser } from "../../../server/contracts/auth.js";
import type { ExamSessionDto } from "../../../server/contracts/scheduling.js";
import { AppError } from "../../../server/lib/errors.js";
import { createOrganisationService } from "../../../server/organisation/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService } from "../../../server/scheduling/index.js";
import { aSessionThroughApi, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/** Two officers changing one session at once: the later write must not undo the earlier one. */
describe("scheduling: two officers editing one session at once", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  const otherOfficer: AuthUser = {
    id: "other-officer",
    kind: "staff",
    roles: ["officer"],
    displayName: "经办乙",
    divisionCode: "320100",
    provinceCode: "320000",
  };

  /**
   * A scheduling service whose next audited transaction first lets `meanwhile` commit: the change
   * read its session before, and writes after the other officer's change.
   */
  function racedBy(meanwhile: () => Promise<void>) {
    const { conn, config } = env.node.ctx;
    const audit = createAuditService(conn);
    let pending: (() => Promise<void>) | null = meanwhile;
    const raced: AuditLog = {
      ...audit,
      async transaction(work) {
        const first = pending;
        pending = null;
        if (first) await first();
        return audit.transaction(work);
      },
    };
    return createSchedulingService(conn, {
      timeZone: config.timeZone,
      provinceCode: config.provinceCode,
      organisation: createOrganisationService(conn, config.provinceCode, undefined, {
        timeZone: config.timeZone,
      }),
      registration: createRegistrationService(conn, {
        provinceCode: config.provinceCode,
        timeZone: config.timeZone,
      }),
      audit: raced,
    });
  }

  it("when one officer moves a session while another changes its length, then the second change is refused as session_changed and the move stands", async () => {
    const startsAt = new Date(Date.now() + 5 * 86_400_000);
    const session = await aSessionThroughApi(env.node, officer, startsAt);
    const later = new Date(startsAt.getTime() + 3 * 3_600_000).toISOString();
    const service = racedBy(async () => {
      await officer.agent.patch(`/api/exam-sessions/${session.id}`).send({ startsAt: later }).expect(200);
    });

    const refused = await service.updateSession(otherOfficer, session.id, { durationMinutes: 90 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(AppError);
    expect(refused).to.include({ code: "session_changed", status: 409 });
    expect((refused as AppError).message).to.match(/刷新后重试/);

    const now = (await officer.agent.get(`/api/exam-sessions/${session.id}`).expect(200)).body
      .session as ExamSessionDto;
    expect(now).to.include({ startsAt: later, durationMinutes: session.durationMinutes });
    expect(now.endsAt).to.equal(new Date(Date.parse(later) + session.durationMinutes * 60_000).toISOString());
    const entries = await env.node.ctx.conn
      .collection("audit_log")
      .find({ "target.id": session.id, action: "session.updated" })
      .toArray();
    expect(entries.map((e) => e.details)).to.deep.equal([{ startsAt: later }]);
  });

  it("when one officer changes the late-entry minutes while another moves the session, then the move is refused and the new minutes stand", async () => {
    const startsAt = new Date(Date.now() + 6 * 86_400_000);
    const session = await aSessionThroughApi(env.node, officer, startsAt);
    const service = racedBy(async () => {
      await officer.agent.patch(`/api/exam-sessions/${session.id}`).send({ lateEntryMinutes: 5 }).expect(200);
    });
    const moved = new Date(startsAt.getTime() + 3_600_000).toISOString();
    const refused = await service.updateSession(otherOfficer, session.id, { startsAt: moved }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).to.include({ code: "session_changed" });
    const now = (await officer.agent.get(`/api/exam-sessions/${session.id}`).expect(200)).body
      .session as ExamSessionDto;
    expect(now).to.include({ startsAt: session.startsAt, lateEntryMinutes: 5 });
    // The room is booked for the session as it stands (5 minutes of late entry), not the refused move.
    expect(Date.parse(now.bookedUntil)).to.be.below(Date.parse(session.bookedUntil));
  });

  it("when a session is cancelled while another officer changes it, then the change is refused as session_cancelled", async () => {
    const session = await aSessionThroughApi(env.node, officer, new Date(Date.now() + 7 * 86_400_000));
    const service = racedBy(async () => {
      await officer.agent.patch(`/api/exam-sessions/${session.id}`).send({ status: "cancelled" }).expect(200);
    });
    const refused = await service.updateSession(otherOfficer, session.id, { earliestHandInMinutes: 10 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).to.include({ code: "session_cancelled" });
    const now = (await officer.agent.get(`/api/exam-sessions/${session.id}`).expect(200)).body
      .session as ExamSessionDto;
    expect(now).to.include({ status: "cancelled", earliestHandInMinutes: session.earliestHandInMinutes });
  });
});
