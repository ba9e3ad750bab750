import { examDb } from "./support/models.js";
import { expect } from "chai";
import request from "supertest";
import type { ClockEventDto } from "../../../server/contracts/exams.js";
import { call, ok, officerUser } from "./support/clients.js";
import { testUserHeader } from "../../../scripts/bench/exam-node.js";
import { moveFixtureSessionBack } from "../../../scripts/bench/exam-fixtures.js";
import { anotherSittingOf, answerAll, aRoom, aSecondProctor, useExamNode } from "./support/setup.js";

/**
 * Exam delivery under the proctor's and the officer's acts: a pause, an extension waiting for a
 * second approver, publication of results and the retake rule at the next check-in.
 */
describe("exam delivery: pauses, extensions, publication and retakes", () => {
  const env = useExamNode();

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
});
