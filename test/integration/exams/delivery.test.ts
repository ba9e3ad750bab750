import { examDb } from "./support/models.js";
import { expect } from "chai";
import request from "supertest";
import type { CandidateAttemptDto, ClockEventDto } from "../../../server/contracts/exams.js";
import { findBrokenLink, missingSeqsOf, type ChainEvent } from "../../../server/exams/index.js";
import { outboxModel } from "../../../server/lib/outbox.js";
import {
  call,
  callRaw,
  candidateUser,
  connect,
  leaks,
  ok,
  officerUser,
  type Choice,
} from "./support/clients.js";
import { testUserHeader } from "../../../scripts/bench/exam-node.js";
import { moveFixtureSessionBack, tinyKey } from "../../../scripts/bench/exam-fixtures.js";
import { anotherSittingOf, aRoom, aSecondProctor, useExamNode } from "./support/setup.js";

const answerAll = async (
  c: { answer(i: number, ch: string[]): Promise<unknown> },
  n: number,
  right: boolean,
) => {
  for (let i = 0; i < n; i++) await c.answer(i, right ? tinyKey(i) : i % 3 === 0 ? ["F"] : ["D"]);
};

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

  it("when a candidate sends events for another candidate's attempt, then each is refused with forbidden, and a socket's refusals are audited once a minute", async () => {
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
      expect(audit.map((a) => (a.details as { event: string }).event)).to.deep.equal([
        "attempt:answer",
        "attempt:sync",
      ]);
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

  it("when the proctor pauses a candidate, then saves are refused until resume and the pause is added back to the deadline", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    try {
      const before = c.attempt?.deadline ?? 0;
      const paused = new Promise<ClockEventDto>((r) => c.socket?.once("attempt:clock", r));
      ok(
        await call(room.proctor, "proctor:pause", {
          sessionId: room.session.id,
          attemptIds: [c.attemptId],
          reason: "考生举手示意设备故障",
        }),
      );
      expect((await paused).paused).to.equal(true);
      const refused = await call(c.socket, "attempt:answer", {
        attemptId: c.attemptId,
        seq: 1,
        index: 0,
        choice: ["T"],
      });
      expect(!refused.ok && refused.error.code).to.equal("attempt_paused");
      await new Promise((r) => setTimeout(r, 300));
      const resumed = new Promise<ClockEventDto>((r) => c.socket?.once("attempt:clock", r));
      ok(
        await call(room.proctor, "proctor:resume", { sessionId: room.session.id, attemptIds: [c.attemptId] }),
      );
      const clock = await resumed;
      expect(clock.paused).to.equal(false);
      expect((clock.deadline ?? 0) - before).to.be.at.least(300);
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

  it("when an extension needs a second approver, then the requester cannot approve it and another proctor can", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    const second = await aSecondProctor(env.node, room);
    try {
      const req = ok(
        await call(room.proctor, "proctor:extend", {
          attemptId: c.attemptId,
          minutes: 10,
          reason: "考生为低视力考生，电脑故障更换",
          requireSecondApprover: true,
        }),
      );
      const requestId = req.pending?.requestId ?? "";
      const self = await call(room.proctor, "proctor:approve_extension", {
        attemptId: c.attemptId,
        requestId,
        approve: true,
      });
      expect(!self.ok && self.error.code).to.equal("second_approver_required");
      const clock = new Promise<ClockEventDto>((r) => c.socket?.once("attempt:clock", r));
      ok(
        await call(second, "proctor:approve_extension", { attemptId: c.attemptId, requestId, approve: true }),
      );
      expect(((await clock).deadline ?? 0) - (c.attempt?.deadline ?? 0)).to.equal(10 * 60_000);
      const noReason = await call(room.proctor, "proctor:extend", {
        attemptId: c.attemptId,
        minutes: 5,
        reason: "",
      });
      expect(!noReason.ok && noReason.error.code).to.equal("validation_failed");
    } finally {
      second.close();
      room.close();
    }
  });

  it("when an officer publishes a session, then results become official, locked and reported as JSON and CSV", async () => {
    const room = await aRoom(env.node, { candidates: 3, release: true });
    const [a, b, v] = room.candidates;
    if (!a || !b || !v) throw new Error("fixture");
    const officer = testUserHeader(officerUser());
    try {
      await answerAll(a, 10, true);
      await answerAll(b, 10, false);
      ok(await a.submit());
      ok(await b.submit());
      const early = await request(env.node.url)
        .post(`/api/exam-sessions/${room.session.id}/results/publish`)
        .set("x-test-user", officer)
        .send({});
      expect(early.status).to.equal(409);
      ok(await call(room.proctor, "proctor:void", { attemptId: v.attemptId, note: "考生携带手机，违纪" }));
      // Results are published once the session is over (session-clock.test.ts): let it end.
      await moveFixtureSessionBack(env.node.ctx.conn, room.session.id, 61);
      const pub = await request(env.node.url)
        .post(`/api/exam-sessions/${room.session.id}/results/publish`)
        .set("x-test-user", officer)
        .send({});
      expect(pub.status).to.equal(200);
      expect(pub.body.attendance).to.deep.equal({
        assigned: 3,
        checkedIn: 3,
        submitted: 2,
        absent: 0,
        voided: 1,
      });
      expect(pub.body.passRateByCategory[0]).to.include({ sat: 2, passed: 1 });
      const again = await request(env.node.url)
        .post(`/api/exam-sessions/${room.session.id}/results/publish`)
        .set("x-test-user", officer)
        .send({});
      expect(again.body.error.code).to.equal("results_locked");
      const locked = await call(room.proctor, "proctor:force_submit", {
        attemptId: a.attemptId,
        reason: "复核",
      });
      expect(!locked.ok && locked.error.code).to.equal("results_locked");
      const csv = await request(env.node.url)
        .get(`/api/exam-sessions/${room.session.id}/report.csv`)
        .set("x-test-user", officer);
      expect(csv.headers["content-type"]).to.match(/text\/csv/);
      expect(csv.text).to.include("违纪作废").and.include("合格");
      const view = ok(await call(a.socket!, "attempt:sync", {}));
      expect(view.result?.official).to.equal(true);
      const chain = await request(env.node.url)
        .get(`/api/attempts/${a.attemptId}/events`)
        .set("x-test-user", officer);
      expect(chain.body.valid).to.equal(true);
      const stranger = await request(env.node.url)
        .get(`/api/exam-sessions/${room.session.id}/report`)
        .set("x-test-user", testUserHeader(officerUser({ divisionCode: "330000" })));
      expect(stranger.status).to.equal(403);
    } finally {
      room.close();
    }
  });

  it("when a candidate failed the free retake, then the next check-in is refused with retake_wait, and a seat is refused only in sessions before the wait ends", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    const seat = room.assignments[0];
    if (!c || !seat) throw new Error("fixture");
    try {
      ok(await c.submit());
      const { Attempts } = examDb(env.node.ctx.conn);
      // Second sitting (the free retake), failed too.
      const second = { session: await anotherSittingOf(env.node, seat) };
      ok(
        await call(room.proctor, "proctor:check_in", {
          sessionId: second.session.id,
          candidateId: seat.candidateId,
          idNumber: seat.idNumber,
        }),
      );
      const att = await Attempts.findOne({ sessionId: second.session.id }).lean();
      ok(await call(room.proctor, "proctor:release", { sessionId: second.session.id }));
      await env.node.delivery.exams.closeAttempt(att?._id ?? "", "candidate", {
        id: "t",
        name: "t",
        kind: "system",
      });
      const third = { session: await anotherSittingOf(env.node, seat) };
      const refused = await call(room.proctor, "proctor:check_in", {
        sessionId: third.session.id,
        candidateId: seat.candidateId,
        idNumber: seat.idNumber,
      });
      expect(!refused.ok && refused.error.code).to.equal("retake_wait");
      const wrongId = await call(room.proctor, "proctor:check_in", {
        sessionId: third.session.id,
        candidateId: seat.candidateId,
        idNumber: "110101199001011237",
      });
      expect(!wrongId.ok && wrongId.error.code).to.equal("identity_mismatch");
      // Seating asks the same rule on the session's start: next month's session may be booked today.
      const retake = (startsAt: Date) =>
        env.node.delivery.exams
          .retakeCheck(seat.candidateId, {
            categoryCode: "01001",
            startsAt,
            blueprint: third.session.blueprint,
          })
          .then(
            () => "allowed",
            (err: { code?: string }) => err.code,
          );
      expect(await retake(new Date(Date.now() + 86_400_000))).to.equal("retake_wait");
      expect(await retake(new Date(Date.now() + 31 * 86_400_000))).to.equal("allowed");
    } finally {
      room.close();
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
