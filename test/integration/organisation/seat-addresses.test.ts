import { expect } from "chai";
import { Types } from "mongoose";
import {
  anonymousAgent,
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
});
