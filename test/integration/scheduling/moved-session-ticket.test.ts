import { expect } from "chai";
import { scheduleCandidates, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { createOrganisationService } from "../../../server/organisation/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService } from "../../../server/scheduling/index.js";
import { formatLocal } from "../../../server/lib/local-time.js";

const DAY = 86_400_000;

/**
 * A ticket number (准考证号) is an identifier: the exam day at seating is part of it only to
 * spread numbers out, and what the candidate and the door read as the exam date is the ticket's
 * 考试时间. A moved session (改期, only before it starts, so before any check-in) keeps its
 * tickets' numbers: the candidate's login and the check-in desk's look-up go on working, and the
 * ticket printed again shows the new time.
 */
describe("scheduling: tickets of a moved session", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });

  it("when a seated session is moved two days later, then the ticket keeps its number (with the seating's day in it), shows the new time, and the login's look-up finds the moved session by that number", async () => {
    const { session, candidates } = await scheduleCandidates(env.node, {
      count: 1,
      startsInMinutes: 3 * 24 * 60,
    });
    const [c] = candidates;
    if (!c) throw new Error("fixture");
    const ticketUrl = `/api/exam-sessions/${session.id}/tickets/${c.id}`;
    const before = (await officer.agent.get(ticketUrl).expect(200)).body.ticket as {
      ticketNo: string;
      startsAt: string;
    };
    const zone = env.node.ctx.config.timeZone;
    const day = (iso: string) => formatLocal(new Date(iso), zone, "date").replaceAll("-", "").slice(2);
    expect(before.ticketNo.slice(2, 8)).to.equal(day(session.startsAt));

    const moved = new Date(Date.parse(session.startsAt) + 2 * DAY).toISOString();
    await officer.agent.patch(`/api/exam-sessions/${session.id}`).send({ startsAt: moved }).expect(200);

    const after = (await officer.agent.get(ticketUrl).expect(200)).body.ticket as typeof before;
    expect(after.ticketNo).to.equal(before.ticketNo);
    expect(after.startsAt).to.equal(moved);
    // So the ticket still names the session's first day, two days before the one it now starts on.

    // The look-up the candidate login asks (server/auth CandidateLoginPort findTicket).
    const { conn, config } = env.node.ctx;
    const sched = createSchedulingService(conn, {
      timeZone: zone,
      provinceCode: config.provinceCode,
      organisation: createOrganisationService(conn, config.provinceCode, undefined, { timeZone: zone }),
      registration: createRegistrationService(conn, { timeZone: zone, provinceCode: config.provinceCode }),
    });
    const found = await sched.findTicket(before.ticketNo);
    expect(found?.startsAt.toISOString()).to.equal(moved);
    expect(found?.candidateId).to.equal(c.id);
  });
});
