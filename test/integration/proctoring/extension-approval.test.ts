import { expect } from "chai";
import request from "supertest";
import { testUserHeader } from "../../../scripts/bench/exam-node.js";
import { moveFixtureSessionBack } from "../../../scripts/bench/exam-fixtures.js";
import { call, officerUser, ok } from "../exams/support/clients.js";
import { examDb } from "../exams/support/models.js";
import { aRoom, aSecondProctor, useExamNode } from "../exams/support/setup.js";

const MINUTE = 60_000;

/**
 * Time changes need a second authorisation (Pearson VUE practice; DOMAIN.md). The server decides
 * when: an extension that would bring the candidate's extra time in all to
 * EXAM_EXTENSION_APPROVAL_MINUTES (20 by default) waits for another proctor or officer, whatever
 * the requester's `requireSecondApprover` says; the flag can only add an approval below it.
 */
describe("proctoring: extensions at the approval threshold wait for a second approver", () => {
  const env = useExamNode();
  const attemptDoc = (id: string) => examDb(env.node.ctx.conn).Attempts.findById(id).lean();

  it("when a proctor extends an attempt by the threshold without asking for approval, then it waits and the deadline moves only once another proctor approves", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const second = await aSecondProctor(env.node, room);
    try {
      const attemptId = room.candidates[0]!.attemptId;
      const before = (await attemptDoc(attemptId))?.deadline?.getTime() ?? 0;
      const asked = ok(
        await call(room.proctor, "proctor:extend", {
          attemptId,
          minutes: 20,
          reason: "考生电脑故障",
          requireSecondApprover: false,
        }),
      );
      expect(asked.affected).to.deep.equal([]);
      expect(asked.pending).to.include({ attemptId, minutes: 20 });
      expect((await attemptDoc(attemptId))?.deadline?.getTime()).to.equal(before);

      const self = await call(room.proctor, "proctor:approve_extension", {
        attemptId,
        requestId: asked.pending!.requestId,
        approve: true,
      });
      expect(!self.ok && self.error.code).to.equal("second_approver_required");
      ok(
        await call(second, "proctor:approve_extension", {
          attemptId,
          requestId: asked.pending!.requestId,
          approve: true,
        }),
      );
      expect((await attemptDoc(attemptId))?.deadline?.getTime()).to.equal(before + 20 * MINUTE);
    } finally {
      second.close();
      room.close();
    }
  });

  it("when small extensions of one attempt add up to the threshold, then the one reaching it waits for approval", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    try {
      const attemptId = room.candidates[0]!.attemptId;
      const extend = () =>
        call(room.proctor, "proctor:extend", { attemptId, minutes: 10, reason: "考生电脑故障" });
      const first = ok(await extend());
      expect([first.affected, first.pending]).to.deep.equal([[attemptId], null]);
      const again = ok(await extend());
      expect(again.affected).to.deep.equal([]);
      expect(again.pending).to.include({ attemptId, minutes: 10 });
      expect((await attemptDoc(attemptId))?.creditedMinutes).to.equal(10);
    } finally {
      room.close();
    }
  });

  it("when two proctors extend one attempt by 15 minutes at once, then at most one is credited without approval and the other waits", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const second = await aSecondProctor(env.node, room);
    try {
      const attemptId = room.candidates[0]!.attemptId;
      // Each alone stays below the threshold (20); both together reach it. Sent together, each
      // request finds no extra time given yet when it first looks.
      const [a, b] = await Promise.all(
        [room.proctor, second].map((desk) =>
          call(desk, "proctor:extend", { attemptId, minutes: 15, reason: "考生电脑故障" }),
        ),
      );
      const answers = [ok(a!), ok(b!)];
      expect(answers.filter((x) => x.affected.includes(attemptId))).to.have.length(1);
      expect(answers.filter((x) => x.pending !== null)).to.have.length(1);
      const doc = await attemptDoc(attemptId);
      expect(doc?.creditedMinutes).to.equal(15);
      expect(doc?.pendingExtensions.map((p) => p.minutes)).to.deep.equal([15]);
      expect(doc?.events.filter((e) => e.type === "extend")).to.have.length(1);
    } finally {
      second.close();
      room.close();
    }
  });

  it("when a proctor asks for approval of an extension below the threshold, then it waits too", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    try {
      const attemptId = room.candidates[0]!.attemptId;
      const asked = ok(
        await call(room.proctor, "proctor:extend", {
          attemptId,
          minutes: 5,
          reason: "考生电脑故障",
          requireSecondApprover: true,
        }),
      );
      expect(asked.pending).to.include({ attemptId, minutes: 5 });
      expect((await attemptDoc(attemptId))?.creditedMinutes).to.equal(0);
    } finally {
      room.close();
    }
  });
});

describe("proctoring: with the approval threshold at 0", () => {
  const env = useExamNode({ env: { EXAM_EXTENSION_APPROVAL_MINUTES: "0" } });

  it("when a proctor extends an attempt by one minute without asking for approval, then it waits for a second approver", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    try {
      const attemptId = room.candidates[0]!.attemptId;
      const asked = ok(
        await call(room.proctor, "proctor:extend", { attemptId, minutes: 1, reason: "考生电脑故障" }),
      );
      expect(asked.pending).to.include({ attemptId, minutes: 1 });
      const doc = await examDb(env.node.ctx.conn).Attempts.findById(attemptId).lean();
      expect(doc?.creditedMinutes).to.equal(0);
    } finally {
      room.close();
    }
  });
});

/**
 * Published results are locked: extend, force-submit and void refuse with `results_locked`, and
 * so does answering a request for more time (it was answered `extension_not_found`, as if the
 * request had never existed).
 */
describe("proctoring: answering an extension request once results are published", function () {
  this.timeout(60_000);
  const env = useExamNode();

  it("when a second proctor answers a request after the session's results were published, then it is refused results_locked and the sitting is unchanged", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true, durationMinutes: 30 });
    const second = await aSecondProctor(env.node, room);
    try {
      const c = room.candidates[0];
      if (!c) throw new Error("fixture");
      const asked = ok(
        await call(room.proctor, "proctor:extend", {
          attemptId: c.attemptId,
          minutes: 5,
          reason: "考生电脑故障",
          requireSecondApprover: true,
        }),
      );
      ok(await c.submit());
      await moveFixtureSessionBack(env.node.ctx.conn, room.session.id, 31);
      const published = await request(env.node.url)
        .post(`/api/exam-sessions/${room.session.id}/results/publish`)
        .set("x-test-user", testUserHeader(officerUser()))
        .send({});
      expect(published.status).to.equal(200);
      const before = await examDb(env.node.ctx.conn).Attempts.findById(c.attemptId).lean();
      for (const approve of [true, false]) {
        const answer = await call(second, "proctor:approve_extension", {
          attemptId: c.attemptId,
          requestId: asked.pending?.requestId ?? "",
          approve,
        });
        expect(!answer.ok && answer.error.code).to.equal("results_locked");
      }
      const after = await examDb(env.node.ctx.conn).Attempts.findById(c.attemptId).lean();
      expect([after?.chainHash, after?.deadline, after?.creditedMinutes]).to.deep.equal([
        before?.chainHash,
        before?.deadline,
        before?.creditedMinutes,
      ]);
    } finally {
      second.close();
      room.close();
    }
  });
});
