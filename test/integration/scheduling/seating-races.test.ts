import { expect } from "chai";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { createOrganisationService } from "../../../server/organisation/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService } from "../../../server/scheduling/index.js";
import { aSessionThroughApi, registerTestCandidate, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/** A seating and a change of its session, committing in the order a busy node can produce. */
describe("scheduling: a seating racing a change of its session", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  const provinceOfficer: AuthUser = {
    id: "province-officer",
    kind: "staff",
    roles: ["officer"],
    displayName: "省级经办",
    divisionCode: "320000",
    provinceCode: "320000",
  };

  /** A scheduling service whose seatings stop inside their transaction until `release` is called. */
  function heldSeating() {
    const { conn, config } = env.node.ctx;
    const registration = createRegistrationService(conn, {
      timeZone: config.timeZone,
      provinceCode: config.provinceCode,
    });
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const service = createSchedulingService(conn, {
      timeZone: config.timeZone,
      provinceCode: config.provinceCode,
      organisation: createOrganisationService(conn, config.provinceCode, undefined, {
        timeZone: config.timeZone,
      }),
      registration: {
        ...registration,
        async claimForSeating(ids, tx, expect) {
          const claimed = await registration.claimForSeating(ids, tx, expect);
          open();
          await released;
          return claimed;
        },
      },
    });
    return { service, opened, release };
  }

  it("when a session is moved while a candidate is being seated in it, then the seat does not keep the old times: the seating is refused as session_changed", async () => {
    const startsAt = new Date(Date.now() + 3 * 86_400_000);
    const sessionId = (await aSessionThroughApi(env.node, officer, startsAt, 2)).id;
    const candidate = await registerTestCandidate(env.node, { categories: ["01001"] });

    const held = heldSeating();
    const seat = held.service.assign(provinceOfficer, sessionId, { candidateId: candidate.id }).then(
      () => "seated",
      (e: { code?: string }) => e.code,
    );
    await held.opened;
    const later = new Date(startsAt.getTime() + 5 * 3_600_000).toISOString();
    await officer.agent.patch(`/api/exam-sessions/${sessionId}`).send({ startsAt: later }).expect(200);
    held.release();

    expect(await seat).to.equal("session_changed");
    const seats = env.node.ctx.conn.collection("seat_assignments");
    expect(await seats.countDocuments({ sessionId })).to.equal(0);
    const map = await officer.agent.get(`/api/exam-sessions/${sessionId}`).expect(200);
    expect(map.body.session).to.include({ assignedCount: 0, startsAt: later });
  });

  it("when a province officer seats a candidate in a city's session, then the entry is filed under the session's division, where the city reads it", async () => {
    const sessionId = (await aSessionThroughApi(env.node, officer, new Date(Date.now() + 4 * 86_400_000))).id;
    const candidate = await registerTestCandidate(env.node, { categories: ["01001"] });
    const held = heldSeating();
    held.release();
    await held.service.assign(provinceOfficer, sessionId, { candidateId: candidate.id });
    const entries = env.node.ctx.conn.collection("audit_log");
    expect(await entries.distinct("divisionCode", { "target.id": sessionId })).to.deep.equal(["320100"]);
  });
});
