import { expect } from "chai";
import { startTestNode } from "../../helpers/node.js";
import { connectSocket, loginCandidate, scheduleCandidates, staffAgent } from "../../helpers/auth.js";

describe("identity smoke", () => {
  let node: Awaited<ReturnType<typeof startTestNode>>;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => {
    await node.stop();
  });

  it("when staff and a candidate log in, then both reach /me and a socket", async () => {
    const admin = await staffAgent(node, { roles: ["admin"] });
    const me = await admin.agent.get("/api/auth/me").expect(200);
    expect(me.body.user.roles).to.deep.equal(["admin"]);
    const fx = await scheduleCandidates(node, { count: 1 });
    const c = fx.candidates[0]!;
    const cand = await loginCandidate(node, { idNumber: c.idNumber, ticketNo: c.assignment.ticketNo, seatToken: c.seatToken });
    expect(cand.user.candidate?.sessionId).to.equal(fx.session.id);
    const socket = await connectSocket(node, cand);
    expect(socket.connected).to.equal(true);
    socket.close();
  });
});
