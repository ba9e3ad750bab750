import { expect } from "chai";
import { createAccess } from "../../../server/access/index.js";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { createIoNotifier, type ExamService } from "../../../server/exams/index.js";
import { createProctoringService, type ProctoringService } from "../../../server/proctoring/index.js";
import { createFixtureSession, fixtureScheduling } from "../../../scripts/bench/exam-fixtures.js";
import { call, ok, proctorUser } from "../exams/support/clients.js";
import { aRoom, useExamNode } from "../exams/support/setup.js";

/**
 * The access checks' session cache drops a session a while after its last check. An audit entry
 * that looked its division up there (by the session's id) was written with none when the action
 * took longer than that, or was retried: an entry a city admin never sees. Each action here runs
 * on a desk whose cache clock the test moves: where the action calls exam delivery, two minutes
 * pass and another session's check sweeps the cache, before the action's entry is written.
 */
describe("proctoring: an action's audit entry names the division of the session it authorised, however long it took", () => {
  const env = useExamNode({ sweepIntervalMs: 3_600_000 });
  const division = "320100";

  /** A proctoring service over the node's exam delivery whose `method` stalls as described above. */
  async function slowDesk(method: keyof ExamService): Promise<ProctoringService> {
    const conn = env.node.ctx.conn;
    const { session: other } = await createFixtureSession(conn, { candidates: 1 });
    const scheduling = fixtureScheduling(conn);
    const access = createAccess({
      currentAccount: async (actor) => actor,
      sessionScope: (id) => scheduling.getSession(id),
    });
    let cacheNow = Date.now();
    const exams = env.node.delivery.exams;
    // The service's methods are closures over its modules (no `this`): called apart, they act the same.
    const real = (...args: unknown[]) =>
      (exams[method] as unknown as (...a: unknown[]) => Promise<unknown>)(...args);
    const desk: { service?: ProctoringService } = {};
    const stalling = {
      ...exams,
      [method]: async (...args: unknown[]) => {
        cacheNow += 2 * 60_000;
        await desk.service?.authorize(proctorUser(), other.id);
        return real(...args);
      },
    } as ExamService;
    desk.service = createProctoringService(env.node.ctx, {
      exams: stalling,
      scheduling,
      audit: env.node.audit,
      access,
      notifier: createIoNotifier(),
      sessionCacheClock: () => cacheNow,
    });
    return desk.service;
  }

  /** The divisions of the entries `action` wrote about `sessionId`. */
  const divisionsOf = async (action: string, sessionId: string): Promise<unknown[]> =>
    (
      await env.node.ctx.conn
        .collection("audit_log")
        .find({ action, "details.sessionId": sessionId })
        .toArray()
    ).map((e) => e.divisionCode);

  it("when a check-in takes longer than the cache holds its session, then its entry names the session's division", async () => {
    const desk = await slowDesk("checkIn");
    const { session, assignments } = await createFixtureSession(env.node.ctx.conn, { candidates: 1 });
    const seat = assignments[0]!;
    await desk.checkIn(proctorUser(), {
      sessionId: session.id,
      candidateId: seat.candidateId,
      idNumber: seat.idNumber,
    });
    expect(await divisionsOf("exam.check_in", session.id)).to.deep.equal([division]);
  });

  it("when an incident report on a seat takes longer than the cache holds its session, then its entry names the session's division", async () => {
    const room = await aRoom(env.node, { candidates: 1 });
    try {
      const desk = await slowDesk("ownerOf");
      await desk.incident(proctorUser(), {
        sessionId: room.session.id,
        attemptId: room.candidates[0]!.attemptId,
        kind: "technical",
        note: "考生电脑黑屏",
      });
      expect(await divisionsOf("proctor.incident", room.session.id)).to.deep.equal([division]);
    } finally {
      room.close();
    }
  });

  it("when an extension given at once takes longer than the cache holds its session, then its entry names the session's division", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    try {
      const desk = await slowDesk("credit");
      const attemptId = room.candidates[0]!.attemptId;
      const r = await desk.extend(proctorUser(), { attemptId, minutes: 5, reason: "考生电脑故障" });
      expect(r.affected).to.deep.equal([attemptId]);
      expect(await divisionsOf("proctor.extend", room.session.id)).to.deep.equal([division]);
    } finally {
      room.close();
    }
  });

  it("when filing an extension for approval takes longer than the cache holds its session, then its entry names the session's division", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    try {
      const desk = await slowDesk("addPendingExtension");
      const attemptId = room.candidates[0]!.attemptId;
      const r = await desk.extend(proctorUser(), {
        attemptId,
        minutes: 5,
        reason: "考生电脑故障",
        requireSecondApprover: true,
      });
      expect(r.pending).to.include({ attemptId, minutes: 5 });
      expect(await divisionsOf("proctor.extend_requested", room.session.id)).to.deep.equal([division]);
    } finally {
      room.close();
    }
  });

  for (const approve of [true, false]) {
    it(`when ${approve ? "approving" : "rejecting"} an extension takes longer than the cache holds its session, then its entry names the session's division`, async () => {
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
        const second: AuthUser = proctorUser({ id: "proctor-2", displayName: "赵监考" });
        const desk = await slowDesk("takePendingExtension");
        await desk.approveExtension(second, attemptId, asked.pending!.requestId, approve);
        const action = approve ? "proctor.extend_approved" : "proctor.extend_rejected";
        expect(await divisionsOf(action, room.session.id)).to.deep.equal([division]);
      } finally {
        room.close();
      }
    });
  }
});
