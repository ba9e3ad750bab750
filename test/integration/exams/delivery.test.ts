import { examDb } from "./support/models.js";
import { expect } from "chai";
import type { CandidateAttemptDto } from "../../../server/contracts/exams.js";
import { findBrokenLink, missingSeqsOf, type ChainEvent } from "../../../server/exams/index.js";
import { outboxModel } from "../../../server/lib/outbox.js";
import { call, callRaw, candidateUser, connect, leaks, ok, type Choice } from "./support/clients.js";
import { tinyKey } from "../../../scripts/bench/exam-fixtures.js";
import { answerAll, aRoom, useExamNode } from "./support/setup.js";

describe("exam delivery: candidate protocol", () => {
  const env = useExamNode();

  it("when the proctor releases the room, then every candidate receives the paper without keys and the server clock", async () => {
    const room = await aRoom(env.node, { candidates: 2, release: true });
    try {
      for (const c of room.candidates) {
        const a = c.attempt as CandidateAttemptDto;
        expect(a.status).to.equal("in_progress");
        expect(a.questions).to.have.length(10);
        expect(a.deadline).to.be.a("number");
        expect((a.deadline ?? 0) - a.serverTime).to.be.closeTo(60 * 60_000, 2000);
        expect(leaks(c.received)).to.deep.equal([]);
      }
      const doc = await examDb(env.node.ctx.conn).Attempts.findById(room.candidates[0]?.attemptId).lean();
      expect(doc?.startedAt).to.be.instanceOf(Date);
      expect(doc?.deadline?.getTime()).to.equal((doc?.startedAt?.getTime() ?? 0) + 60 * 60_000);
      // The session's counters are spread over documents `<session>` and `<session>:<n>` by seat.
      const exposure = await env.node.ctx.conn
        .collection<{ _id: string; counts?: Record<string, number> }>("exam_exposure")
        .find({ _id: { $regex: `^${room.session.id}(:|$)` } })
        .toArray();
      const counts = exposure.flatMap((shard) => Object.values(shard.counts ?? {}));
      expect(counts.reduce((a, b) => a + b, 0)).to.equal(20);
    } finally {
      room.close();
    }
  });

  it("when a save is repeated or an older seq arrives after a newer one, then the newer answer stays and repeats are re-acked", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    try {
      const send = (seq: number, choice: Choice) =>
        call(c.socket!, "attempt:answer", { attemptId: c.attemptId, seq, index: 1, choice });
      const first = ok(await send(1, ["A"]));
      expect(first).to.include({ applied: true, savedSeq: 1 });
      expect(first.deadline).to.equal(c.attempt?.deadline);
      expect(ok(await send(1, ["A"]))).to.include({ applied: false, savedSeq: 1 });
      expect(ok(await send(3, ["C"]))).to.include({ applied: true, savedSeq: 3 });
      expect(ok(await send(2, ["B"]))).to.include({ applied: false, savedSeq: 3 });
      const doc = await examDb(env.node.ctx.conn).Attempts.findById(c.attemptId).lean();
      expect(doc?.answers[1]).to.deep.include({ choice: ["C"], seq: 3 });
      expect(missingSeqsOf({ seen: doc?.seen ?? [], seenUpTo: doc?.seenUpTo }, 3)).to.deep.equal([]);
      expect(doc?.events.filter((e) => e.type === "answer")).to.have.length(2);
    } finally {
      room.close();
    }
  });

  it("when submit names a seq that has not arrived, then it waits for it and the late save still counts", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    try {
      for (let i = 0; i < 9; i++) await c.answer(i, tinyKey(i));
      const submitting = call(c.socket, "attempt:submit", {
        attemptId: c.attemptId,
        lastSeq: 10,
      });
      await new Promise((r) => setTimeout(r, 150));
      ok(
        await call(c.socket, "attempt:answer", {
          attemptId: c.attemptId,
          seq: 10,
          index: 9,
          choice: tinyKey(9),
        }),
      );
      const done = ok(await submitting);
      expect(done.status).to.equal("submitted");
      expect(done.result).to.include({ score: 10, passed: true, official: false });
    } finally {
      room.close();
    }
  });

  it("when submit names seqs that never arrive, then it answers saves_pending listing them and nothing closes", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    try {
      await c.answer(0, ["T"]);
      const ack = await call(c.socket, "attempt:submit", { attemptId: c.attemptId, lastSeq: 3 });
      expect(ack.ok).to.equal(false);
      if (ack.ok) return;
      expect(ack.error.code).to.equal("saves_pending");
      expect(ack.error.details).to.deep.equal({ missing: [2, 3] });
      expect((await examDb(env.node.ctx.conn).Attempts.findById(c.attemptId).lean())?.status).to.equal(
        "in_progress",
      );
    } finally {
      room.close();
    }
  });

  it("when a candidate passes, then the result, the chain hash and one exam.passed outbox entry are stored and published once", async () => {
    const seen: string[] = [];
    env.node.ctx.events.subscribe("exam.passed", (e) => {
      seen.push(e.attemptId);
    });
    const room = await aRoom(env.node, { candidates: 2, release: true });
    const [pass, fail] = room.candidates;
    if (!pass || !fail) throw new Error("fixture");
    try {
      await answerAll(pass, 10, true);
      await answerAll(fail, 10, false);
      const p = ok(await pass.submit());
      const f = ok(await fail.submit());
      expect(p.result).to.include({ passed: true, score: 10 });
      expect(f.result).to.include({ passed: false, score: 0 });
      const { Attempts, Results } = examDb(env.node.ctx.conn);
      const doc = await Attempts.findById(pass.attemptId).lean();
      const result = await Results.findOne({ attemptId: pass.attemptId }).lean();
      expect(result?.chainHash).to.equal(doc?.chainHash);
      expect(findBrokenLink((doc?.events ?? []) as ChainEvent[])).to.equal(null);
      expect(doc?.events.at(-1)?.type).to.equal("submit");
      const outbox = await outboxModel(env.node.ctx.conn)
        .find({ key: { $in: [`exam.passed:${pass.attemptId}`, `exam.passed:${fail.attemptId}`] } })
        .lean();
      expect(outbox.map((o) => o.key)).to.deep.equal([`exam.passed:${pass.attemptId}`]);
      expect((outbox[0]?.payload as { chainHash?: string }).chainHash).to.equal(doc?.chainHash);
      for (let i = 0; i < 50 && !seen.includes(pass.attemptId); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(seen.filter((id) => id === pass.attemptId)).to.have.length(1);
      expect(
        (
          await outboxModel(env.node.ctx.conn)
            .findOne({ key: `exam.passed:${pass.attemptId}` })
            .lean()
        )?.status,
      ).to.equal("done");
      // A second submit is answered with the same closed attempt, not graded twice.
      expect(ok(await pass.submit()).status).to.equal("submitted");
      expect(await Results.countDocuments({ attemptId: pass.attemptId })).to.equal(1);
    } finally {
      room.close();
    }
  });

  it("when payloads are malformed or oversized, then each gets a failed ack and the server keeps serving", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    try {
      const bad = [
        { attemptId: c.attemptId, seq: "1", index: 0, choice: ["A"] },
        { attemptId: c.attemptId, seq: 1, index: 0, choice: ["Z"] },
        { attemptId: c.attemptId, seq: 1, index: 0, choice: ["A"], extra: true },
        { attemptId: "x".repeat(5000), seq: 1, index: 0, choice: ["A"] },
        null,
      ];
      for (const p of bad) {
        const ack = await callRaw(c.socket, "attempt:answer", p);
        expect(ack.ok).to.equal(false);
        if (!ack.ok) expect(ack.error.code).to.equal("validation_failed");
      }
      const out = await call(c.socket, "attempt:answer", {
        attemptId: c.attemptId,
        seq: 1,
        index: 99,
        choice: ["A"],
      });
      expect(!out.ok && out.error.code).to.equal("question_out_of_range");
      expect(
        ok(
          await call(c.socket, "attempt:answer", {
            attemptId: c.attemptId,
            seq: 1,
            index: 0,
            choice: ["T"],
          }),
        ).applied,
      ).to.equal(true);
    } finally {
      room.close();
    }
  });

  it("when a candidate sends events for another candidate's attempt, then each is refused with forbidden, and a candidate's refusals are audited once a minute, whatever socket sent them", async () => {
    const room = await aRoom(env.node, { candidates: 2, release: true });
    const [me, other] = room.candidates;
    if (!me?.socket || !other) throw new Error("fixture");
    const again = await connect(env.node.url, me.user);
    try {
      const answer = () =>
        call(me.socket!, "attempt:answer", { attemptId: other.attemptId, seq: 1, index: 0, choice: ["T"] });
      // A page looping over other attempts: every event refused, one audit transaction for them.
      for (let i = 0; i < 5; i++) {
        const ack = await answer();
        expect(!ack.ok && ack.error.code).to.equal("forbidden");
      }
      expect(me.socket.connected).to.equal(true);
      const sync = await call(again, "attempt:sync", { attemptId: other.attemptId });
      expect(!sync.ok && sync.error.code).to.equal("forbidden");
      const audit = await env.node.ctx.conn
        .collection("audit_log")
        .find({ action: "exam.cross_attempt_refused", "target.id": other.attemptId })
        .toArray();
      // The second socket's refusal is the same candidate's: counted for the summary, not audited.
      expect(audit.map((a) => (a.details as { event: string }).event)).to.deep.equal(["attempt:answer"]);
      const doc = await examDb(env.node.ctx.conn).Attempts.findById(other.attemptId).lean();
      expect(doc?.answers[0]?.seq).to.equal(0);
    } finally {
      again.close();
      room.close();
    }
  });

  it("when a candidate signed in for one sitting names their own attempt in another session, then it is refused", async () => {
    const first = await aRoom(env.node, { candidates: 1, release: true });
    const second = await aRoom(env.node, { candidates: 1 });
    const [mine] = first.candidates;
    const [elsewhere] = second.assignments;
    if (!mine || !elsewhere) throw new Error("fixture");
    // The same person, signed in with the ticket of the second sitting.
    const login = candidateUser(second.session.id, {
      ...elsewhere,
      candidateId: mine.user.candidate?.candidateId ?? "",
    });
    const socket = await connect(env.node.url, login);
    try {
      const sync = await call(socket, "attempt:sync", { attemptId: mine.attemptId });
      expect(!sync.ok && sync.error.code).to.equal("forbidden");
      const doc = await examDb(env.node.ctx.conn).Attempts.findById(mine.attemptId).lean();
      expect(doc?.status).to.equal("in_progress");
    } finally {
      socket.close();
      first.close();
      second.close();
    }
  });

  it("when a candidate syncs before check-in, then attempt_not_found tells the page to wait", async () => {
    const { createFixtureSession } = await import("../../../scripts/bench/exam-fixtures.js");
    const { session, assignments } = await createFixtureSession(env.node.ctx.conn, { candidates: 1 });
    const s = await connect(env.node.url, candidateUser(session.id, assignments[0]!));
    try {
      const ack = await call(s, "attempt:sync", {});
      expect(!ack.ok && ack.error.code).to.equal("attempt_not_found");
    } finally {
      s.close();
    }
  });
});
