import { expect } from "chai";
import { formatLocal, formatShown } from "../../../server/lib/local-time.js";
import { aSessionThroughApi, registerTestCandidate, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { NODE_TIME_ZONE, OTHER_NODE_TIME_ZONE } from "../../helpers/time-zone.js";

/**
 * Scheduling and organisation write session dates in the zone the node is configured for
 * (TIME_ZONE, handed in by the composition root): a ticket number's exam day and a refusal's
 * first session are the day the exam office reads, never China's by default on a node that
 * keeps another zone's time.
 */
describe("scheduling and organisation on a node whose zone is not the default", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { TIME_ZONE: OTHER_NODE_TIME_ZONE } });
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  const admin = useStaffAgent(env, { roles: ["admin"], divisionCode: "320000" });

  /** 02:00 UTC some days ahead: 10:00 in China, 21:00 the day before in New York. */
  function twoAmUtcInDays(days: number): Date {
    const day = new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
    return new Date(`${day}T02:00:00.000Z`);
  }

  it("when the node's zone is not the default, then a seated candidate's ticket number carries the exam day in that zone, not China's", async () => {
    expect(env.node.ctx.config.timeZone).to.equal(OTHER_NODE_TIME_ZONE);
    const startsAt = twoAmUtcInDays(10);
    const session = await aSessionThroughApi(env.node, officer, startsAt, 2);
    const candidate = await registerTestCandidate(env.node);
    const seated = await officer.agent
      .post(`/api/exam-sessions/${session.id}/assignments`)
      .send({ candidateId: candidate.id })
      .expect(201);
    const ticketNo = (seated.body as { assignment: { ticketNo: string } }).assignment.ticketNo;
    const ymd = (zone: string) => formatLocal(startsAt, zone, "date").replaceAll("-", "").slice(2);
    expect(ymd(OTHER_NODE_TIME_ZONE)).to.not.equal(ymd(NODE_TIME_ZONE));
    expect(ticketNo.slice(2, 8)).to.equal(ymd(OTHER_NODE_TIME_ZONE));
  });

  it("when the node's zone is not the default, then retiring a room with a session names the session's start in that zone, not China's", async () => {
    const startsAt = twoAmUtcInDays(11);
    const session = await aSessionThroughApi(env.node, officer, startsAt, 1);
    const refused = await admin.agent
      .post(`/api/test-centres/${session.testCentreId}/rooms/${session.roomId}/retire`)
      .send({})
      .expect(409);
    const message = (refused.body as { error: { code: string; message: string } }).error;
    expect(message.code).to.equal("in_use");
    expect(message.message).to.include(`（最早 ${formatShown(startsAt, OTHER_NODE_TIME_ZONE, "minute")}）`);
    expect(message.message).to.not.include(formatShown(startsAt, NODE_TIME_ZONE, "minute"));
  });
});
