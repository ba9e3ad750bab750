import { expect } from "chai";
import type { AttemptTakenOverDto } from "../../../server/contracts/exams.js";
import { call, connect, ok } from "./support/clients.js";
import { examDb } from "./support/models.js";
import { aRoom, useExamNode } from "./support/setup.js";

/**
 * One page answers for a seat. Two pages of one candidate (a second tab, a replaced kiosk that
 * still runs) each showed their own choice as saved while the server kept the later one: the
 * newer page takes the attempt, the older is told and disconnected.
 */
/** `p`, or a failure naming `what` when it has not come after a generous wait. */
function arrives<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} never came`)), 10_000).unref()),
  ]);
}

describe("exam delivery: one page per seat", () => {
  const env = useExamNode();

  it("when a second page of the candidate opens the attempt, then the first is told, disconnected and saves nothing more; the second saves", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    const first = c.socket;
    const second = await connect(env.node.url, c.user);
    try {
      ok(await call(first, "attempt:answer", { attemptId: c.attemptId, seq: 1, index: 0, choice: ["T"] }));
      const told = new Promise<AttemptTakenOverDto>((resolve) => first.once("attempt:taken_over", resolve));
      const gone = new Promise<string>((resolve) => first.once("disconnect", resolve));
      const view = ok(await call(second, "attempt:sync", {}));
      expect(view.attemptId).to.equal(c.attemptId);
      expect((await arrives(told, "attempt:taken_over")).attemptId).to.equal(c.attemptId);
      // The server disconnected it: a socket.io client does not reconnect from that by itself.
      expect(await arrives(gone, "the disconnect")).to.equal("io server disconnect");
      expect(first.connected).to.equal(false);

      ok(await call(second, "attempt:answer", { attemptId: c.attemptId, seq: 2, index: 0, choice: ["F"] }));
      const doc = await examDb(env.node.ctx.conn).Attempts.findById(c.attemptId).lean();
      expect(doc?.answers[0]).to.deep.include({ choice: ["F"], seq: 2 });
    } finally {
      second.close();
      room.close();
    }
  });

  it("when the newer page numbers its answer with a seq the older page's save already took, then it is refused seq_conflict, not shown saved; a true repeat is still acknowledged", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    const first = c.socket;
    const second = await connect(env.node.url, c.user);
    try {
      ok(await call(first, "attempt:answer", { attemptId: c.attemptId, seq: 1, index: 0, choice: ["T"] }));
      ok(await call(second, "attempt:sync", {}));
      // The second page numbered its answer before it learned of the first page's save (its sync
      // crossed that save): its own seq 1 for the same question, another answer.
      const clash = await call(second, "attempt:answer", {
        attemptId: c.attemptId,
        seq: 1,
        index: 0,
        choice: ["F"],
      });
      expect(clash.ok).to.equal(false);
      if (!clash.ok) {
        expect(clash.error.code).to.equal("seq_conflict");
        expect(clash.error.details).to.deep.equal({ lastSeq: 1 });
      }
      // The page renumbers after the server's last seq and is stored.
      const renumbered = ok(
        await call(second, "attempt:answer", { attemptId: c.attemptId, seq: 2, index: 0, choice: ["F"] }),
      );
      expect(renumbered).to.include({ applied: true, savedSeq: 2 });
      // Sent again as it was (a lost ack), the same save is a repeat, acknowledged as stored.
      const repeat = ok(
        await call(second, "attempt:answer", { attemptId: c.attemptId, seq: 2, index: 0, choice: ["F"] }),
      );
      expect(repeat).to.include({ applied: false, savedSeq: 2 });
      const doc = await examDb(env.node.ctx.conn).Attempts.findById(c.attemptId).lean();
      expect(doc?.answers[0]).to.deep.include({ choice: ["F"], seq: 2 });
    } finally {
      second.close();
      room.close();
    }
  });

  it("when another candidate's page opens their own attempt, then this candidate's page stays connected", async () => {
    const room = await aRoom(env.node, { candidates: 2, release: true });
    const [a, b] = room.candidates;
    if (!a?.socket || !b?.socket) throw new Error("fixture");
    const again = await connect(env.node.url, b.user);
    try {
      ok(await call(again, "attempt:sync", {}));
      expect(a.socket.connected).to.equal(true);
      ok(await call(a.socket, "attempt:answer", { attemptId: a.attemptId, seq: 1, index: 0, choice: ["T"] }));
    } finally {
      again.close();
      room.close();
    }
  });
});
