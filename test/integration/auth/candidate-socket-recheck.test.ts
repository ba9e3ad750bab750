import { expect } from "chai";
import { connectSocket, loginCandidate, scheduleCandidates, type TestSocket } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";

type Node = Awaited<ReturnType<typeof startTestNode>>;

/** The reason the server closed `socket` with, or "still open" if it did not within `ms`. */
const closedWithin = (socket: TestSocket, ms: number) =>
  new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve("still open"), ms);
    socket.once("disconnect", (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });

/**
 * A logout ends a candidate's sockets through a disconnect the Redis adapter relays to the other
 * instances, and the adapter drops it while an instance's Redis link is down: that socket kept
 * saving (its per-event check is a clock comparison) until the login window closed. Candidate
 * sockets are now asked again on a timer too (CANDIDATE_SOCKET_RECHECK_SECONDS, 1 s here), one
 * batched read of their logins per instance per period. Deleting the login straight in the
 * database is a logout whose relayed disconnect never arrived.
 */
describe("auth: a candidate socket ends with its login even when the logout's disconnect is lost", function () {
  this.timeout(30_000);
  let node: Node;
  before(async () => {
    node = await startTestNode({ env: { CANDIDATE_SOCKET_RECHECK_SECONDS: "1" } });
  });
  after(async () => {
    await node.stop();
  });

  it("when a candidate's login is removed without a relayed disconnect, then the recheck closes that socket and leaves a live one open", async () => {
    const fixture = await scheduleCandidates(node, { count: 2 });
    const [gone, live] = await Promise.all(
      fixture.candidates.map((c) =>
        loginCandidate(node, {
          idNumber: c.idNumber,
          ticketNo: c.assignment.ticketNo,
          seatToken: c.seatToken,
        }),
      ),
    );
    if (!gone || !live) throw new Error("two candidates expected");
    const goneSocket = await connectSocket(node, gone);
    const liveSocket = await connectSocket(node, live);
    try {
      const goneClosed = closedWithin(goneSocket, 6_000);
      const liveClosed = closedWithin(liveSocket, 6_000);
      // What logout does to the store, without the room disconnect that would reach this instance.
      const removed = await node.ctx.conn
        .collection("sessions")
        .deleteMany({ "session.passport.user.user.id": gone.user.id });
      expect(removed.deletedCount, "the candidate's login").to.equal(1);
      expect(await goneClosed).to.equal("io server disconnect");
      // Several periods later the candidate whose login holds is still connected.
      expect(await liveClosed).to.equal("still open");
      expect(liveSocket.connected).to.equal(true);
    } finally {
      goneSocket.close();
      liveSocket.close();
    }
  });
});
