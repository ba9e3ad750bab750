import { expect } from "chai";
import { Types } from "mongoose";
import type { TestCentreDto } from "../../../server/contracts/organisation.js";
import {
  anonymousAgent,
  createTestRoom,
  scheduleCandidates,
  staffAgent,
  type AuthedAgent,
  type ScheduledCandidates,
} from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * A seat's registered IP is stored in one canonical spelling (IPv6 lower-case and compressed,
 * IPv4-mapped IPv6 as IPv4), so the login from that computer, which Node reports in its own
 * spelling, matches it, and one address cannot be registered twice under two spellings.
 */
describe("organisation: seat addresses in one spelling", function () {
  this.timeout(60_000);
  // Behind a proxy (TRUST_PROXY): the test sends the computer's address as X-Forwarded-For.
  const env = useTestNode({
    env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000", TRUST_PROXY: "true", COOKIE_SECURE: "false" },
  });
  let admin: AuthedAgent;
  before(async () => {
    admin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
  });

  const seatPath = (fx: ScheduledCandidates, i: number) =>
    `/api/test-centres/${fx.room.testCentreId}/rooms/${fx.room.roomId}/seats/${fx.room.seats[i]!.seatId}`;

  it("when a seat's IP is typed in upper case, in full or IPv4-mapped, then it is stored canonically and the same address in another spelling is refused for a second seat", async () => {
    const fx = await scheduleCandidates(env.node, { count: 3 });
    const upper = await admin.agent.patch(seatPath(fx, 0)).send({ ip: "2001:DB8::1" }).expect(200);
    expect(upper.body.seat.ip).to.equal("2001:db8::1");
    const full = await admin.agent
      .patch(seatPath(fx, 1))
      .send({ ip: "2001:0db8:0000:0000:0000:0000:0000:0001" });
    expect([full.status, full.body.error?.code]).to.deep.equal([409, "seat_ip_taken"]);
    const mapped = await admin.agent.patch(seatPath(fx, 2)).send({ ip: "::FFFF:10.0.0.5" }).expect(200);
    expect(mapped.body.seat.ip).to.equal("10.0.0.5");
    const again = await admin.agent.patch(seatPath(fx, 1)).send({ ip: "10.0.0.5" });
    expect([again.status, again.body.error?.code]).to.deep.equal([409, "seat_ip_taken"]);
    const stored = await env.node.ctx.conn
      .collection("test_centres")
      .findOne({ _id: new Types.ObjectId(fx.room.testCentreId) });
    expect(JSON.stringify(stored)).to.not.include("DB8");
  });

  it("when a seat was registered as 2001:DB8:… and its computer logs in, then the login matches the seat", async () => {
    const fx = await scheduleCandidates(env.node, { count: 1 });
    const c = fx.candidates[0]!;
    await admin.agent.patch(seatPath(fx, 0)).send({ ip: "2001:DB8:0:5::A", clearToken: true }).expect(200);
    const { agent } = await anonymousAgent(env.node);
    const res = await agent
      .post("/api/auth/candidate-login")
      .set("x-forwarded-for", "2001:db8:0:5::a")
      .send({ idNumber: c.idNumber, ticketNo: c.assignment.ticketNo });
    expect([res.status, res.body.error?.code]).to.deep.equal([200, undefined]);
  });

  it("when two seats already share an IP, then the room's seats are read with the duplicate marked, and a third seat is still refused that IP", async () => {
    const room = await createTestRoom(env.node, { seats: 3 });
    const centreId = new Types.ObjectId(room.testCentreId);
    // Bound before binding was checked inside the transaction (two admins at once), one of them
    // in the spelling stored before addresses were stored canonically.
    await env.node.ctx.conn
      .collection("test_centres")
      .updateOne(
        { _id: centreId },
        { $set: { "rooms.0.seats.0.ip": "10.0.0.7", "rooms.0.seats.1.ip": "::FFFF:10.0.0.7" } },
      );
    const seatsOf = (c: TestCentreDto) =>
      c.rooms[0]!.seats.map((s) => ({ seatNo: s.seatNo, ipSharedWith: s.ipSharedWith }));
    const expected = [
      { seatNo: 1, ipSharedWith: [2] },
      { seatNo: 2, ipSharedWith: [1] },
      { seatNo: 3, ipSharedWith: [] },
    ];
    const one = await admin.agent.get(`/api/test-centres/${room.testCentreId}`).expect(200);
    expect(seatsOf(one.body.testCentre as TestCentreDto)).to.deep.equal(expected);
    const list = await admin.agent.get("/api/test-centres").expect(200);
    const listed = (list.body.testCentres as TestCentreDto[]).find((c) => c.id === room.testCentreId);
    expect(listed && seatsOf(listed)).to.deep.equal(expected);

    const third = await admin.agent
      .patch(`/api/test-centres/${room.testCentreId}/rooms/${room.roomId}/seats/${room.seats[2]!.seatId}`)
      .send({ ip: "10.0.0.7" });
    expect([third.status, third.body.error?.code]).to.deep.equal([409, "seat_ip_taken"]);

    // Unbinding one of the two clears the mark on both.
    await admin.agent
      .patch(`/api/test-centres/${room.testCentreId}/rooms/${room.roomId}/seats/${room.seats[1]!.seatId}`)
      .send({ ip: null })
      .expect(200);
    const after = await admin.agent.get(`/api/test-centres/${room.testCentreId}`).expect(200);
    expect(seatsOf(after.body.testCentre as TestCentreDto).map((s) => s.ipSharedWith)).to.deep.equal([
      [],
      [],
      [],
    ]);
  });
});
