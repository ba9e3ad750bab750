import { expect } from "chai";
import { createAuditService, type AuditLog } from "../../../server/audit/index.js";
import type { AuthUser } from "../../../server/contracts/auth.js";
import type { ExamDeliveryPort } from "../../../server/exams/index.js";
import type { ProctoringDeps, ProctoringService } from "../../../server/proctoring/index.js";
import { createFixtureSession } from "../../../scripts/bench/exam-fixtures.js";
import { proctorUser } from "../exams/support/clients.js";
import { examDb } from "../exams/support/models.js";
import { proctoringConsoleOver } from "../exams/support/proctoring-console.js";
import { aRoom, useExamNode, wholeRoomAway, type Room } from "../exams/support/setup.js";

/**
 * Every proctor action writes its attempt change and its audit entry in one transaction: when the
 * entry cannot be written, the action is refused and the attempt is exactly as it was.
 */
describe("proctoring: an action and its audit entry are one transaction", () => {
  // An extension here runs past the room's booking (30 minutes) at once, by one proctor: the
  // approval threshold is set above it (it is tested in extension-approval.test.ts).
  const env = useExamNode({ env: { EXAM_EXTENSION_APPROVAL_MINUTES: "60" } });
  const second = proctorUser({ id: "proctor-2", displayName: "李监考" });

  /** The proctor console over the node's own exam delivery and audit log, with `over` swapped in. */
  const consoleOver = (over: Partial<ProctoringDeps>): ProctoringService =>
    proctoringConsoleOver(env.node, over);

  /** The proctor console with an audit log whose appends fail. */
  function brokenConsole(): ProctoringService {
    const real = createAuditService(env.node.ctx.conn);
    const failing: AuditLog = { ...real, append: () => Promise.reject(new Error("audit store unavailable")) };
    return consoleOver({ audit: failing });
  }

  /** What a proctor action may change on an attempt. */
  async function stateOf(attemptId: string) {
    const doc = await examDb(env.node.ctx.conn)
      .Attempts.findById(attemptId, {
        status: 1,
        chainN: 1,
        chainHash: 1,
        pausedAt: 1,
        pausedMs: 1,
        creditedMinutes: 1,
        deadline: 1,
        startedAt: 1,
        submittedAt: 1,
        voidedAt: 1,
        away: 1,
        pendingExtensions: 1,
      })
      .lean();
    const results = await examDb(env.node.ctx.conn).Results.countDocuments({ attemptId });
    return { doc, results };
  }

  const entries = (action: string, sessionId: string) =>
    env.node.ctx.conn.collection("audit_log").countDocuments({ action, "details.sessionId": sessionId });

  /**
   * A released room of three, one of them paused and one waiting for a second approver, all back
   * from an outage 10 minutes ago not yet credited.
   */
  async function aBusyRoom(): Promise<Room & { pendingId: string }> {
    const room = await aRoom(env.node, { candidates: 3, release: true });
    await wholeRoomAway(env.node, room, { agoMs: 600_000, awayMs: 120_000 });
    const real = env.node.delivery.proctoring;
    const [a, b] = room.candidates.map((c) => c.attemptId);
    await real.pause(room.proctorUser, room.session.id, [b!], "考生身体不适");
    const asked = await real.extend(room.proctorUser, {
      attemptId: a!,
      minutes: 10,
      reason: "设备故障",
      requireSecondApprover: true,
    });
    return { ...room, pendingId: asked.pending!.requestId };
  }

  /** An action by `user` (approvals are always by the second proctor: four eyes). */
  type Action = (
    svc: ProctoringService,
    room: Room & { pendingId: string },
    user: AuthUser,
  ) => Promise<unknown>;
  /** Five more minutes for the first candidate, at once or waiting for a second approver. */
  const extendFirst =
    (requireSecondApprover: boolean): Action =>
    (s, r, u) =>
      s.extend(u, {
        attemptId: r.candidates[0]!.attemptId,
        minutes: 5,
        reason: "停电",
        requireSecondApprover,
      });
  const actionsOnAttempts: { name: string; audit: string; target: 0 | 1; run: Action }[] = [
    {
      name: "pause",
      audit: "proctor.pause",
      target: 0,
      run: (s, r, u) => s.pause(u, r.session.id, undefined, "疑似作弊"),
    },
    { name: "resume", audit: "proctor.resume", target: 1, run: (s, r, u) => s.resume(u, r.session.id) },
    { name: "extend", audit: "proctor.extend", target: 0, run: extendFirst(false) },
    { name: "extension request", audit: "proctor.extend_requested", target: 0, run: extendFirst(true) },
    {
      name: "extension approval",
      audit: "proctor.extend_approved",
      target: 0,
      run: (s, r) => s.approveExtension(second, r.candidates[0]!.attemptId, r.pendingId, true),
    },
    {
      name: "extension rejection",
      audit: "proctor.extend_rejected",
      target: 0,
      run: (s, r) => s.approveExtension(second, r.candidates[0]!.attemptId, r.pendingId, false),
    },
    {
      name: "force submit",
      audit: "proctor.force_submit",
      target: 0,
      run: (s, r, u) => s.forceSubmit(u, r.candidates[0]!.attemptId, "考生要求交卷"),
    },
    {
      name: "void",
      audit: "proctor.void",
      target: 0,
      run: (s, r, u) => s.voidAttempt(u, r.candidates[0]!.attemptId, "违纪"),
    },
    {
      name: "outage credit",
      audit: "proctor.credit_outage",
      target: 0,
      run: async (s, r, u) => {
        const outage = await s.outageProposal(r.session.id);
        if (!outage) throw new Error("fixture: no outage proposed");
        return s.creditOutage(u, {
          sessionId: r.session.id,
          attemptIds: outage.attemptIds,
          outageFrom: outage.from,
          outageTo: outage.to,
          reason: "断网",
        });
      },
    },
  ];

  for (const action of actionsOnAttempts) {
    it(`when the audit entry of the ${action.name} cannot be written, then the action is refused and the attempts are unchanged`, async () => {
      const room = await aBusyRoom();
      try {
        const ids = room.candidates.map((c) => c.attemptId);
        const before = await Promise.all(ids.map(stateOf));
        const audited = await entries(action.audit, room.session.id);
        const refused = await action.run(brokenConsole(), room, room.proctorUser).then(
          () => false,
          () => true,
        );
        expect(refused, "refused").to.equal(true);
        expect(await Promise.all(ids.map(stateOf))).to.deep.equal(before);
        expect(await entries(action.audit, room.session.id)).to.equal(audited);
        // The same action with a working audit log changes the attempt and is audited once.
        await action.run(env.node.delivery.proctoring, room, room.proctorUser);
        expect(await stateOf(ids[action.target]!)).to.not.deep.equal(before[action.target]);
        expect(await entries(action.audit, room.session.id)).to.equal(audited + 1);
      } finally {
        room.close();
      }
    });
  }

  it("when the audit entry of an extension past the room's booking cannot be written, then the booking is not grown either", async () => {
    // The room is booked until the start plus the length and the 20 minutes of late entry.
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const fixtures = env.node.ctx.conn.collection<{ session: { bookedUntil: string } }>(
      "test_fixture_sessions",
    );
    const bookedUntil = async () =>
      (await fixtures.findOne({ _id: room.session.id as never }))?.session.bookedUntil;
    try {
      const before = await bookedUntil();
      const extend = (svc: ProctoringService) =>
        svc.extend(room.proctorUser, {
          attemptId: room.candidates[0]!.attemptId,
          minutes: 30,
          reason: "停电",
          requireSecondApprover: false,
        });
      const refused = await extend(brokenConsole()).then(
        () => false,
        () => true,
      );
      expect(refused, "refused").to.equal(true);
      expect(await bookedUntil()).to.equal(before);
      await extend(env.node.delivery.proctoring);
      expect(await bookedUntil()).to.not.equal(before);
    } finally {
      room.close();
    }
  });

  /** A released room of one whose candidate has been paused for `minutes` (its deadline moves on). */
  async function aRoomPausedFor(minutes: number) {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const attemptId = room.candidates[0]!.attemptId;
    await env.node.delivery.proctoring.pause(room.proctorUser, room.session.id, [attemptId], "停电");
    await examDb(env.node.ctx.conn).Attempts.updateOne(
      { _id: attemptId },
      { $set: { pausedAt: new Date(Date.now() - minutes * 60_000) } },
    );
    const fixtures = env.node.ctx.conn.collection<{ session: { bookedUntil: string } }>(
      "test_fixture_sessions",
    );
    const bookedUntil = async () =>
      (await fixtures.findOne({ _id: room.session.id as never }))?.session.bookedUntil;
    const setHoldFails = (holdFails: boolean) =>
      fixtures.updateOne({ _id: room.session.id as never }, { $set: { holdFails } });
    return { room, attemptId, bookedUntil, setHoldFails };
  }

  it("when the audit entry of a resume past the room's booking cannot be written, then the booking is not grown either", async () => {
    // An hour's pause runs the deadline past the booking (the length and 20 minutes of late entry).
    const { room, attemptId, bookedUntil } = await aRoomPausedFor(60);
    try {
      const before = await bookedUntil();
      const refused = await brokenConsole()
        .resume(room.proctorUser, room.session.id, [attemptId])
        .then(
          () => false,
          () => true,
        );
      expect(refused, "refused").to.equal(true);
      expect(await bookedUntil()).to.equal(before);
      await env.node.delivery.proctoring.resume(room.proctorUser, room.session.id, [attemptId]);
      expect(await bookedUntil()).to.not.equal(before);
    } finally {
      room.close();
    }
  });

  it("when the room cannot be held for a resume, then the resume is refused and the candidate stays paused", async () => {
    const { room, attemptId, bookedUntil, setHoldFails } = await aRoomPausedFor(60);
    try {
      const before = await bookedUntil();
      const paused = await stateOf(attemptId);
      await setHoldFails(true);
      const refused = await env.node.delivery.proctoring
        .resume(room.proctorUser, room.session.id, [attemptId])
        .then(
          () => false,
          () => true,
        );
      expect(refused, "refused").to.equal(true);
      expect(await stateOf(attemptId)).to.deep.equal(paused);
      expect(await bookedUntil()).to.equal(before);
      await setHoldFails(false);
      await env.node.delivery.proctoring.resume(room.proctorUser, room.session.id, [attemptId]);
      expect((await stateOf(attemptId)).doc?.pausedAt).to.equal(null);
      expect(await bookedUntil()).to.not.equal(before);
    } finally {
      room.close();
    }
  });

  it("when the room cannot be held for a release, then the release is refused and every attempt stays checked in", async () => {
    const room = await aRoom(env.node, { candidates: 2 });
    const fixtures = env.node.ctx.conn.collection("test_fixture_sessions");
    const setHoldFails = (holdFails: boolean) =>
      fixtures.updateOne({ _id: room.session.id as never }, { $set: { holdFails } });
    try {
      const ids = room.candidates.map((c) => c.attemptId);
      const before = await Promise.all(ids.map(stateOf));
      await setHoldFails(true);
      const refused = await env.node.delivery.proctoring.release(room.proctorUser, room.session.id).then(
        () => false,
        () => true,
      );
      expect(refused, "refused").to.equal(true);
      expect(await Promise.all(ids.map(stateOf))).to.deep.equal(before);
      expect(await entries("exam.release", room.session.id)).to.equal(0);
      await setHoldFails(false);
      await env.node.delivery.proctoring.release(room.proctorUser, room.session.id);
      expect((await Promise.all(ids.map(stateOf))).map((s) => s.doc?.status)).to.deep.equal([
        "in_progress",
        "in_progress",
      ]);
    } finally {
      room.close();
    }
  });

  it("when the audit entry of a release cannot be written, then the release is refused and every attempt stays checked in", async () => {
    const room = await aRoom(env.node, { candidates: 2 });
    try {
      const ids = room.candidates.map((c) => c.attemptId);
      const before = await Promise.all(ids.map(stateOf));
      const refused = await brokenConsole()
        .release(room.proctorUser, room.session.id)
        .then(
          () => false,
          () => true,
        );
      expect(refused).to.equal(true);
      expect(await Promise.all(ids.map(stateOf))).to.deep.equal(before);
      expect(before.map((s) => s.doc?.status)).to.deep.equal(["checked_in", "checked_in"]);
      expect(await entries("exam.release", room.session.id)).to.equal(0);
    } finally {
      room.close();
    }
  });

  it("when the audit entry of a check-in cannot be written, then no attempt, paper or exposure count is left", async () => {
    const { session, assignments } = await createFixtureSession(env.node.ctx.conn, { candidates: 1 });
    const a = assignments[0]!;
    const refused = await brokenConsole()
      .checkIn(proctorUser(), { sessionId: session.id, candidateId: a.candidateId, idNumber: a.idNumber })
      .then(
        () => false,
        () => true,
      );
    expect(refused).to.equal(true);
    const db = env.node.ctx.conn;
    expect(await examDb(db).Attempts.countDocuments({ sessionId: session.id })).to.equal(0);
    expect(await db.collection("exam_papers").countDocuments({ sessionId: session.id })).to.equal(0);
    const exposure = await db
      .collection<{ _id: string }>("exam_exposure")
      .countDocuments({ _id: { $regex: `^${session.id}(:|$)` } });
    expect(exposure).to.equal(0);
    expect(await entries("exam.check_in", session.id)).to.equal(0);
    const checked = await env.node.delivery.proctoring.checkIn(proctorUser(), {
      sessionId: session.id,
      candidateId: a.candidateId,
      idNumber: a.idNumber,
    });
    expect(checked.seat.state).to.equal("checked_in");
    expect(await entries("exam.check_in", session.id)).to.equal(1);
  });
  it("when a push after the commit fails, then the action still answers the change it committed and the other pushes go out", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    try {
      const candidate = room.candidates[0]!;
      const real = env.node.delivery.exams;
      // Exam delivery's pause with one more after-commit effect, queued first, that fails.
      const exams: ExamDeliveryPort = {
        ...real,
        pause: (actor, attemptIds, reason, uow) => {
          uow.afterCommit(() => {
            throw new Error("push failed");
          });
          return real.pause(actor, attemptIds, reason, uow);
        },
      };
      const clock = new Promise<{ paused: boolean }>((resolve) =>
        candidate.socket?.once("attempt:clock", resolve),
      );
      const result = await consoleOver({ exams }).pause(
        room.proctorUser,
        room.session.id,
        [candidate.attemptId],
        "考生身体不适",
      );
      expect(result.affected).to.deep.equal([candidate.attemptId]);
      expect((await stateOf(candidate.attemptId)).doc?.pausedAt).to.be.instanceOf(Date);
      expect(await entries("proctor.pause", room.session.id)).to.equal(1);
      expect((await clock).paused).to.equal(true);
    } finally {
      room.close();
    }
  });
});
