import { expect } from "chai";
import type { ExamSessionDto, SeatAssignmentDto } from "../../../server/contracts/scheduling.js";
import { createTestRoom, registerTestCandidate, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

/**
 * Centres, rooms, seats, sessions and candidates are ObjectIds, which the database's lookup by id
 * also takes in upper case; scheduling then matched the id as typed against fields that store it
 * in lower case: a list filtered by a centre typed that way came back empty, an unseating answered
 * 座位安排 not found while the candidate held the seat. Each id is made canonical at the contract.
 */
describe("scheduling: ids typed in upper case", function () {
  this.timeout(60_000);
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  let day = 40;

  /** A session with one seated candidate, every id sent in upper case when `typed` says so. */
  async function aSeatedCandidate(typed: "upper" | "as-stored" = "as-stored") {
    const as = (id: string) => (typed === "upper" ? id.toUpperCase() : id);
    const room = await createTestRoom(env.node, { seats: 2 });
    const created = await officer.agent
      .post("/api/exam-sessions")
      .send({
        categoryCode: "01001",
        testCentreId: as(room.testCentreId),
        roomId: as(room.roomId),
        startsAt: inDays(day++),
      })
      .expect(201);
    const session = (created.body as { session: ExamSessionDto }).session;
    const candidate = await registerTestCandidate(env.node);
    const [, seat] = room.seats;
    if (!seat) throw new Error("fixture");
    const assigned = await officer.agent
      .post(`/api/exam-sessions/${as(session.id)}/assignments`)
      .send({ candidateId: as(candidate.id), seatId: as(seat.seatId) })
      .expect(201);
    const assignment = (assigned.body as { assignment: SeatAssignmentDto }).assignment;
    return { room, session, candidate, seat, assignment };
  }

  it("when a session is scheduled and a candidate seated with every id in upper case, then the session, the seat and the assignment hold the ids as the database writes them", async () => {
    const { room, session, candidate, seat, assignment } = await aSeatedCandidate("upper");
    expect(session).to.deep.include({ testCentreId: room.testCentreId, roomId: room.roomId });
    expect(assignment).to.deep.include({ candidateId: candidate.id, seatId: seat.seatId });
    const stored = await env.node.ctx.conn
      .collection("seat_assignments")
      .find({ sessionId: session.id })
      .toArray();
    expect(stored.map((a) => [a.candidateId, a.seatId])).to.deep.equal([[candidate.id, seat.seatId]]);
  });

  it("when sessions are listed by a test centre typed in upper case, then the centre's sessions are listed", async () => {
    const { room, session } = await aSeatedCandidate();
    const listed = await officer.agent
      .get("/api/exam-sessions")
      .query({ testCentreId: room.testCentreId.toUpperCase() })
      .expect(200);
    expect((listed.body.sessions as ExamSessionDto[]).map((s) => s.id)).to.deep.equal([session.id]);
  });

  it("when a session is read with its id in upper case, then it is that session under its own id", async () => {
    const { session } = await aSeatedCandidate();
    const read = await officer.agent.get(`/api/exam-sessions/${session.id.toUpperCase()}`).expect(200);
    expect((read.body.session as ExamSessionDto).id).to.equal(session.id);
  });

  it("when a candidate is unseated and their ticket read with their id in upper case, then it is their seat that is read and then freed, and the entry names them as stored", async () => {
    const { session, candidate } = await aSeatedCandidate();
    const base = `/api/exam-sessions/${session.id}`;
    const ticket = await officer.agent.get(`${base}/tickets/${candidate.id.toUpperCase()}`).expect(200);
    expect(ticket.body.ticket).to.be.an("object");
    await officer.agent.delete(`${base}/assignments/${candidate.id.toUpperCase()}`).expect(204);
    const seats = env.node.ctx.conn.collection("seat_assignments");
    expect(await seats.countDocuments({ sessionId: session.id })).to.equal(0);
    const entries = await env.node.ctx.conn
      .collection("audit_log")
      .find({
        "target.id": { $in: [session.id, session.id.toUpperCase()] },
        "details.candidateId": { $exists: true },
      })
      .toArray();
    expect(entries.map((e) => e.details.candidateId)).to.include(candidate.id);
    expect(entries.map((e) => e.details.candidateId)).not.to.include(candidate.id.toUpperCase());
  });
});
