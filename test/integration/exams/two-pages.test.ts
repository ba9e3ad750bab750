import { expect } from "chai";
import { startExamNode, type ExamNode } from "../../../scripts/bench/exam-node.js";
import { testDatabase } from "../../helpers/database.js";
import { call, connect, ok, type ExamSocket } from "./support/clients.js";
import { examDb } from "./support/models.js";
import { aRoom, useExamNode } from "./support/setup.js";

/**
 * One seq names one save. Two pages of one seat number their saves from the same server's last
 * seq, so while they overlap (a sync crossing the other page's saves, or two instances whose
 * take-over cannot reach each other) they number different saves alike. `seq_conflict` caught
 * that only for the same question: a seq another question's save had taken was applied, or,
 * where that question already held a later seq, acknowledged as superseded, so the page showed its
 * newest answer as saved while the server kept the other page's older one.
 */
describe("exam delivery: two pages of one seat and their seqs", function () {
  this.timeout(60_000);
  const env = useExamNode({ sweepIntervalMs: 3_600_000 });
  const slot = async (attemptId: string, index: number) =>
    (await examDb(env.node.ctx.conn).Attempts.findById(attemptId).lean())?.answers[index];

  it("when the newer page answers under a seq the older page's save of another question took, and that question holds a later seq, then it is refused seq_conflict and, renumbered, its answer is the one stored", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    const older = c.socket;
    const newer = await connect(env.node.url, c.user);
    try {
      ok(await call(older, "attempt:answer", { attemptId: c.attemptId, seq: 1, index: 1, choice: ["B"] }));
      ok(await call(older, "attempt:answer", { attemptId: c.attemptId, seq: 2, index: 0, choice: ["T"] }));
      ok(await call(newer, "attempt:sync", {}));
      // The newer page's sync crossed those saves: it numbers its change of question 0 (made after
      // the older page's) as seq 1, which the older page's answer to question 1 took.
      const clash = await call(newer, "attempt:answer", {
        attemptId: c.attemptId,
        seq: 1,
        index: 0,
        choice: ["F"],
      });
      expect(
        clash.ok ? { applied: clash.data.applied, savedSeq: clash.data.savedSeq } : clash.error.code,
      ).to.equal("seq_conflict");
      if (!clash.ok) expect(clash.error.details).to.deep.equal({ lastSeq: 2 });
      const renumbered = ok(
        await call(newer, "attempt:answer", { attemptId: c.attemptId, seq: 3, index: 0, choice: ["F"] }),
      );
      expect(renumbered).to.include({ applied: true, savedSeq: 3 });
      expect(await slot(c.attemptId, 0)).to.deep.include({ choice: ["F"], seq: 3 });
      expect(await slot(c.attemptId, 1)).to.deep.include({ choice: ["B"], seq: 1 });
    } finally {
      newer.close();
      room.close();
    }
  });

  it("when the newer page answers another question under a seq the older page's save took, then it is refused seq_conflict, not applied under a seq that names another save", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    const newer = await connect(env.node.url, c.user);
    try {
      ok(await call(c.socket, "attempt:answer", { attemptId: c.attemptId, seq: 1, index: 0, choice: ["T"] }));
      ok(await call(newer, "attempt:sync", {}));
      const clash = await call(newer, "attempt:answer", {
        attemptId: c.attemptId,
        seq: 1,
        index: 1,
        choice: ["C"],
      });
      expect(clash.ok ? "applied" : clash.error.code).to.equal("seq_conflict");
      expect(await slot(c.attemptId, 1)).to.deep.include({ choice: [], seq: 0 });
      // A true repeat of the save seq 1 names is still acknowledged as stored.
      const repeat = ok(
        await call(newer, "attempt:answer", { attemptId: c.attemptId, seq: 1, index: 0, choice: ["T"] }),
      );
      expect(repeat).to.include({ applied: false, savedSeq: 1 });
    } finally {
      newer.close();
      room.close();
    }
  });

  it("when a page resends an answer of its own that a later one of the same question superseded, then it is still acknowledged as superseded", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    try {
      ok(await call(c.socket, "attempt:answer", { attemptId: c.attemptId, seq: 1, index: 2, choice: ["A"] }));
      ok(await call(c.socket, "attempt:answer", { attemptId: c.attemptId, seq: 2, index: 2, choice: ["C"] }));
      // The ack of seq 1 was lost: the journal sends it again.
      const again = ok(
        await call(c.socket, "attempt:answer", { attemptId: c.attemptId, seq: 1, index: 2, choice: ["A"] }),
      );
      expect(again).to.include({ applied: false, savedSeq: 2 });
      expect(await slot(c.attemptId, 2)).to.deep.include({ choice: ["C"], seq: 2 });
    } finally {
      room.close();
    }
  });

  describe("on two instances that cannot take over each other's pages", () => {
    let second: ExamNode | null = null;
    before(async () => {
      const db = await testDatabase();
      // The same database, no shared adapter: as two instances with Redis away.
      second = await startExamNode({
        mongoUri: db.uri,
        dbName: env.node.ctx.conn.name,
        sweepIntervalMs: 3_600_000,
      });
    });
    after(async () => {
      await second?.stop();
    });

    it("when one instance takes a seq as received while the other decides a save on its own copy, then the seq rule holds in the write: the save is refused seq_conflict", async () => {
      if (!second) throw new Error("second node");
      const room = await aRoom(env.node, { candidates: 1, release: true });
      const c = room.candidates[0];
      if (!c?.socket) throw new Error("fixture");
      let other: ExamSocket | null = null;
      try {
        // The page on the first instance: seq 2 (its answer to question 1) is still on its way.
        ok(
          await call(c.socket, "attempt:answer", { attemptId: c.attemptId, seq: 1, index: 0, choice: ["T"] }),
        );
        ok(
          await call(c.socket, "attempt:answer", { attemptId: c.attemptId, seq: 3, index: 0, choice: ["F"] }),
        );
        // A page on the second instance syncs, finds seq 2 missing and fills it with a repeat of
        // what question 0 stores under a later seq: not applied, but seq 2 is now received.
        other = await connect(second.url, c.user);
        const view = ok(await call(other, "attempt:sync", {}));
        expect(view.missingSeqs).to.deep.equal([2]);
        const filler = ok(
          await call(other, "attempt:answer", { attemptId: c.attemptId, seq: 2, index: 0, choice: ["F"] }),
        );
        expect(filler).to.include({ applied: false, savedSeq: 3 });
        // The first page's seq 2 arrives at last. Its instance decides on its own copy of the
        // attempt, in which seq 2 was never received, and the filler left the chain head as it was.
        const late = await call(c.socket, "attempt:answer", {
          attemptId: c.attemptId,
          seq: 2,
          index: 1,
          choice: ["B"],
        });
        expect(late.ok ? "applied" : late.error.code).to.equal("seq_conflict");
        expect(await slot(c.attemptId, 1)).to.deep.include({ choice: [], seq: 0 });
      } finally {
        other?.close();
        room.close();
      }
    });
  });
});
