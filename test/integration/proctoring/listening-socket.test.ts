import { expect } from "chai";
import { connectSocket, scheduleCandidates, staffAgent, type TestSocket } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";

type Node = Awaited<ReturnType<typeof startTestNode>>;

/** Resolves when the server closes the socket (its reason), so a test never guesses a delay. */
const closedByServer = (socket: TestSocket) =>
  new Promise<string>((resolve) => socket.once("disconnect", (reason) => resolve(reason)));

/**
 * A proctor console that only listens sends no events, so the per-event account check never runs:
 * a login that lapsed (its session document expired, which closes no socket) or a revocation
 * broadcast this instance missed left it receiving the room's seats and incidents. Staff sockets
 * are now asked again on a timer (STAFF_SOCKET_RECHECK_SECONDS, 1 s here).
 */
describe("proctoring: a socket that only listens ends with its login", function () {
  this.timeout(30_000);
  let node: Node;
  before(async () => {
    node = await startTestNode({ env: { STAFF_SOCKET_RECHECK_SECONDS: "1" } });
  });
  after(async () => {
    await node.stop();
  });

  it("when a watching proctor's login lapses without a logout, then the server closes the socket by itself", async () => {
    const fixture = await scheduleCandidates(node, { count: 1 });
    const proctor = await staffAgent(node, {
      roles: ["proctor"],
      testCentreId: fixture.room.testCentreId,
      divisionCode: fixture.session.divisionCode,
    });
    const socket = await connectSocket(node, proctor);
    try {
      const watch = await socket
        .timeout(10_000)
        .emitWithAck("proctor:watch", { sessionId: fixture.session.id });
      expect(watch.ok).to.equal(true);
      const closed = closedByServer(socket);
      // What the sessions TTL index does when a login runs out: the document goes, nothing is told.
      await node.ctx.conn.collection("sessions").deleteMany({});
      expect(await closed).to.equal("io server disconnect");
    } finally {
      socket.close();
    }
  });
});
