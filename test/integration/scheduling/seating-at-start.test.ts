import { expect } from "chai";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { createOrganisationService } from "../../../server/organisation/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService } from "../../../server/scheduling/index.js";
import { aSessionThroughApi, registerTestCandidate, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * The start time is checked before a seating's transaction; the commit can land after it. The
 * service's clock passes the start between the check and the write.
 */
describe("scheduling: seating and unseating as the session starts", () => {
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

  /** A scheduling service on the node's database whose clock is `clock.now`. */
  function serviceWithClock() {
    const { conn, config } = env.node.ctx;
    const clock = { now: () => new Date() };
    const service = createSchedulingService(conn, {
      timeZone: config.timeZone,
      provinceCode: config.provinceCode,
      organisation: createOrganisationService(conn, config.provinceCode, undefined, {
        timeZone: config.timeZone,
      }),
      registration: createRegistrationService(conn, {
        provinceCode: config.provinceCode,
        timeZone: config.timeZone,
      }),
      now: () => clock.now(),
    });
    return { service, clock };
  }

  /** A clock before `startsAt` at its first reading and after it from then on. */
  function startingAfterFirstReading(startsAt: Date): () => Date {
    let readings = 0;
    return () => new Date(startsAt.getTime() + (readings++ === 0 ? -60_000 : 60_000));
  }

  it("when the session starts between the check and the seating's commit, then the seating is refused as session_started and no seat is written", async () => {
    const startsAt = new Date(Date.now() + 3 * 86_400_000);
    const sessionId = (await aSessionThroughApi(env.node, officer, startsAt, 2)).id;
    const candidate = await registerTestCandidate(env.node, { categories: ["01001"] });
    const { service, clock } = serviceWithClock();
    clock.now = startingAfterFirstReading(startsAt);

    const outcome = await service.assign(provinceOfficer, sessionId, { candidateId: candidate.id }).then(
      () => "seated",
      (e: { code?: string }) => e.code,
    );

    expect(outcome).to.equal("session_started");
    const seats = env.node.ctx.conn.collection("seat_assignments");
    expect(await seats.countDocuments({ sessionId })).to.equal(0);
  });

  it("when the session starts between the check and the unseating's commit, then the unseating is refused as session_started and the seat stays", async () => {
    const startsAt = new Date(Date.now() + 3 * 86_400_000);
    const sessionId = (await aSessionThroughApi(env.node, officer, startsAt, 2)).id;
    const candidate = await registerTestCandidate(env.node, { categories: ["01001"] });
    const { service, clock } = serviceWithClock();
    await service.assign(provinceOfficer, sessionId, { candidateId: candidate.id });
    clock.now = startingAfterFirstReading(startsAt);

    const outcome = await service.unassign(provinceOfficer, sessionId, candidate.id).then(
      () => "unseated",
      (e: { code?: string }) => e.code,
    );

    expect(outcome).to.equal("session_started");
    const seats = env.node.ctx.conn.collection("seat_assignments");
    expect(await seats.countDocuments({ sessionId, candidateId: candidate.id })).to.equal(1);
  });
});
