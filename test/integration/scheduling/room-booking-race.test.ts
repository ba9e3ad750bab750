import { expect } from "chai";
import { createTestRoom, registerTestCandidate, staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";

type Node = Awaited<ReturnType<typeof startTestNode>>;
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

/** Booking a room is one atomic step: the overlap check and the new session commit together. */
describe("room booking and seating under concurrent scheduling", function () {
  this.timeout(120_000);
  let node: Node;
  let second: Node;
  let officers: AuthedAgent[];
  before(async () => {
    node = await startTestNode();
    // A second app instance on the same database, as a scaled-out node runs.
    second = await startTestNode({ shareDatabase: node.dbName });
    const officer = await staffAgent(node, { roles: ["officer"], divisionCode: "320100" });
    officers = [officer, await staffAgent(second, { roles: ["officer"], divisionCode: "320100" })];
  });
  after(async () => {
    await second?.stop();
    await node?.stop();
  });

  async function scheduleAtOnce(
    room: { testCentreId: string; roomId: string },
    startsAt: string[],
    via: AuthedAgent[],
  ) {
    return Promise.all(
      startsAt.map((at, i) =>
        via[i % via.length]!.agent.post("/api/exam-sessions").send({
          categoryCode: "01001",
          testCentreId: room.testCentreId,
          roomId: room.roomId,
          startsAt: at,
        }),
      ),
    );
  }

  it("when four sessions are scheduled into one room at the same time concurrently on one instance, then exactly one is booked and the others are refused room_busy", async () => {
    const room = await createTestRoom(node, { seats: 2 });
    const at = inDays(3);
    const results = await scheduleAtOnce(room, [at, at, at, at], [officers[0]!]);
    expect(results.map((r) => r.status).sort()).to.deep.equal([201, 409, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.error.code).to.equal("room_busy");
    expect(await node.ctx.conn.collection("exam_sessions").countDocuments({ roomId: room.roomId })).to.equal(
      1,
    );
  });

  it("when two app instances schedule overlapping sessions into one room at once, then exactly one is booked", async () => {
    const room = await createTestRoom(node, { seats: 2 });
    const start = new Date(inDays(4));
    // Thirty minutes apart: both overlap, neither is the same time.
    const later = new Date(start.getTime() + 30 * 60_000).toISOString();
    const results = await scheduleAtOnce(
      room,
      [start.toISOString(), later, start.toISOString(), later],
      officers,
    );
    expect(results.filter((r) => r.status === 201)).to.have.length(1);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.error.code)).to.deep.equal([
      "room_busy",
      "room_busy",
      "room_busy",
    ]);
    expect(await node.ctx.conn.collection("exam_sessions").countDocuments({ roomId: room.roomId })).to.equal(
      1,
    );
  });

  it("when two officers on two instances seat one candidate at once in two sessions of one category a week apart, then one seat is kept and the other refused already_scheduled", async () => {
    const room = await createTestRoom(node, { seats: 4 });
    const other = await createTestRoom(node, { seats: 4 });
    const [nextWeek, weekAfter] = (await scheduleAtOnce(room, [inDays(7)], [officers[0]!]))
      .concat(await scheduleAtOnce(other, [inDays(14)], [officers[1]!]))
      .map((r) => String(r.body.session.id));
    for (let round = 0; round < 3; round++) {
      const candidate = await registerTestCandidate(node, { categories: ["01001"] });
      const results = await Promise.all(
        [nextWeek, weekAfter].map((sessionId, i) =>
          officers[i]!.agent.post(`/api/exam-sessions/${sessionId}/assignments`).send({
            candidateId: candidate.id,
          }),
        ),
      );
      expect(results.map((r) => r.status).sort()).to.deep.equal([201, 409]);
      expect(results.find((r) => r.status === 409)?.body.error.code).to.equal("already_scheduled");
      const seats = await node.ctx.conn
        .collection("seat_assignments")
        .countDocuments({ candidateId: candidate.id });
      expect(seats).to.equal(1);
    }
  });
});
