import { expect } from "chai";
import type { Ack } from "../../../server/contracts/errors.js";
import { connectSocket, loginCandidate, scheduleCandidates, staffAgent, type TestSocket } from "../../helpers/auth.js";
import { startTestNode, type TestNode } from "../../helpers/node.js";

/** Emits any event name with an ack, bounded so a missing ack fails the test instead of hanging it. */
async function emitLoose(socket: TestSocket, event: string, payload: unknown): Promise<Ack<unknown>> {
  const bounded = socket.timeout(5_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<Ack<unknown>> };
  return bounded.emitWithAck(event, payload);
}

describe("Socket events a role has no handler for (found by the fuzz sweep, issue 18)", function () {
  this.timeout(60_000);
  let node: TestNode;
  const open: TestSocket[] = [];
  before(async () => {
    node = await startTestNode();
  });
  after(async () => {
    for (const s of open) s.close();
    await node?.stop();
  });

  it("when a candidate sends a proctor event, then it is acknowledged with event_not_allowed and stays connected", async () => {
    const { session, candidates } = await scheduleCandidates(node, { count: 1 });
    const c = candidates[0]!;
    const who = await loginCandidate(node, { idNumber: c.idNumber, ticketNo: c.assignment.ticketNo, seatToken: c.seatToken });
    const socket = await connectSocket(node, who);
    open.push(socket);
    const ack = await emitLoose(socket, "proctor:watch", { sessionId: session.id });
    expect(ack).to.deep.include({ ok: false });
    expect(ack.ok ? null : ack.error.code).to.equal("event_not_allowed");
    expect(socket.connected).to.equal(true);
  });

  it("when staff send a candidate event or an event nobody defined, then each is acknowledged with event_not_allowed", async () => {
    const examiner = await staffAgent(node, { roles: ["examiner"] });
    const socket = await connectSocket(node, examiner);
    open.push(socket);
    for (const event of ["attempt:sync", "no:such_event"]) {
      const ack = await emitLoose(socket, event, {});
      expect(ack.ok ? null : ack.error.code, event).to.equal("event_not_allowed");
    }
    const ping = await emitLoose(socket, "system:ping", {});
    expect(ping.ok).to.equal(true);
  });
});
