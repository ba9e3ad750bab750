import type { AuthUser } from "../../../../server/contracts/auth.js";
import type { CandidateAttemptDto } from "../../../../server/contracts/exams.js";
import type { OutageProposalDto } from "../../../../server/contracts/proctoring.js";
import type { ExamSessionDto, SeatAssignmentDto } from "../../../../server/contracts/scheduling.js";
import { testDatabase, uniqueDbName } from "../../../helpers/database.js";
import {
  call,
  candidateUser,
  checkInAll,
  connect,
  JournalCandidate,
  ok,
  proctorUser,
  type ExamSocket,
} from "./clients.js";
import { startExamNode, type ExamNode, type ExamNodeOptions } from "../../../../scripts/bench/exam-node.js";
import {
  createFixtureSession,
  tinyKey,
  type FixtureSessionOptions,
} from "../../../../scripts/bench/exam-fixtures.js";
import { examDb } from "./models.js";

/** One exam node for the calling describe block (own database), stopped after it. */
export function useExamNode(options: Partial<ExamNodeOptions> = {}): { readonly node: ExamNode } {
  const state: { node?: ExamNode } = {};
  before(async () => {
    const db = await testDatabase();
    state.node = await startExamNode({ mongoUri: db.uri, dbName: uniqueDbName("exam"), ...options });
  });
  after(async () => {
    await state.node?.ctx.conn.dropDatabase().catch(() => undefined);
    await state.node?.stop();
  });
  return {
    get node() {
      if (!state.node) throw new Error("exam node only inside tests");
      return state.node;
    },
  };
}

export interface Room {
  session: ExamSessionDto;
  assignments: SeatAssignmentDto[];
  proctor: ExamSocket;
  proctorUser: AuthUser;
  candidates: JournalCandidate[];
  close(): void;
}

/**
 * A room ready to go: a session with n candidates, a proctor watching it, every candidate checked in
 * and connected; with `release` the proctor has released it and every candidate holds its paper.
 */
export async function aRoom(
  node: ExamNode,
  o: Partial<FixtureSessionOptions> & { candidates: number; release?: boolean; url?: string },
): Promise<Room> {
  const { session, assignments } = await createFixtureSession(node.ctx.conn, o);
  const user = proctorUser();
  const proctor = await connect(node.url, user);
  ok(await call(proctor, "proctor:watch", { sessionId: session.id }));
  await checkInAll(proctor, session.id, assignments);
  const candidates = assignments.map(
    (a) => new JournalCandidate(o.url ?? node.url, candidateUser(session.id, a)),
  );
  for (const c of candidates) await c.connect();
  if (o.release) {
    const started = candidates.map(
      (c) => new Promise<CandidateAttemptDto>((resolve) => c.socket?.once("attempt:started", resolve)),
    );
    ok(await call(proctor, "proctor:release", { sessionId: session.id }));
    const views = await Promise.all(started);
    views.forEach((v, i) => {
      const c = candidates[i];
      if (c) c.attempt = v;
    });
  }
  return {
    session,
    assignments,
    proctor,
    proctorUser: user,
    candidates,
    close() {
      proctor.close();
      for (const c of candidates) c.close();
    },
  };
}

/** Another proctor of the room's test centre (赵监考), watching it: the second person of 四眼 rules. */
export async function aSecondProctor(node: ExamNode, room: Room): Promise<ExamSocket> {
  const second = await connect(node.url, { ...room.proctorUser, id: "proctor-2", displayName: "赵监考" });
  ok(await call(second, "proctor:watch", { sessionId: room.session.id }));
  return second;
}

/** A new session seating `seat`'s candidate again (the same person booked in a later sitting). */
export async function anotherSittingOf(node: ExamNode, seat: SeatAssignmentDto): Promise<ExamSessionDto> {
  const { session } = await createFixtureSession(node.ctx.conn, { candidates: 1 });
  await node.ctx.conn
    .collection("test_fixture_sessions")
    .updateOne({ _id: session.id as never }, { $set: { "assignments.0": seat } });
  return session;
}

/**
 * Seats of `room` that were away and are back, as their attempts record it: each drop started
 * `agoMs` before now and lasted `awayMs` (written directly, so no test waits minutes for a real one).
 */
export async function dropsOf(
  node: ExamNode,
  room: Room,
  drops: { seat: number; agoMs: number; awayMs: number }[],
): Promise<void> {
  const at = Date.now();
  for (const d of drops) {
    const attemptId = room.candidates[d.seat]?.attemptId;
    if (!attemptId) throw new Error(`fixture: no seat ${d.seat}`);
    const drop = { from: new Date(at - d.agoMs), to: new Date(at - d.agoMs + d.awayMs), credited: false };
    await examDb(node.ctx.conn).Attempts.updateOne({ _id: attemptId }, { $push: { away: drop } });
  }
}

/**
 * Every seat of `room` away at once, `agoMs` before now for `awayMs`, and back: an outage of the
 * whole room. Shared because the outage and proctoring suites drop the whole room this way.
 */
export function wholeRoomAway(
  node: ExamNode,
  room: Room,
  drop: { agoMs: number; awayMs: number },
): Promise<void> {
  return dropsOf(
    node,
    room,
    room.candidates.map((_, seat) => ({ seat, ...drop })),
  );
}

/**
 * Node options for the outage-hold suites: every extension and outage credit waits for a second
 * approver, and the deadline sweep runs only when a test calls it (one second of grace).
 */
export function secondApproverSweptByHand(): Partial<ExamNodeOptions> {
  return { sweepIntervalMs: 3_600_000, graceSeconds: 1, env: { EXAM_EXTENSION_APPROVAL_MINUTES: "0" } };
}

/** The outage the proctor's console proposes for `room`, watching it; throws when it proposes none. */
export async function outageProposalOf(room: Room): Promise<OutageProposalDto> {
  const proposal = ok(
    await call(room.proctor, "proctor:watch", { sessionId: room.session.id }),
  ).outageProposal;
  if (!proposal) throw new Error("no outage proposed");
  return proposal;
}

/**
 * A released room of four (60 minutes) that was out, all of it, for three minutes ten minutes ago,
 * and the outage its proctor's console proposes. Shared because the outage-hold suites start so.
 */
export async function aRoomAfterAnOutage(
  node: ExamNode,
): Promise<{ room: Room; ids: string[]; proposal: OutageProposalDto }> {
  const room = await aRoom(node, { candidates: 4, release: true, durationMinutes: 60 });
  try {
    const ids = room.candidates.map((c) => c.attemptId);
    await wholeRoomAway(node, room, { agoMs: 10 * 60_000, awayMs: 3 * 60_000 });
    return { room, ids, proposal: await outageProposalOf(room) };
  } catch (e) {
    room.close();
    throw e;
  }
}

/** The room's proctor credits the outage `proposal` names, for `reason`; the credit's answer. */
export async function creditOutage(room: Room, proposal: OutageProposalDto, reason: string) {
  return ok(
    await call(room.proctor, "proctor:credit_outage", {
      sessionId: room.session.id,
      attemptIds: proposal.attemptIds,
      outageFrom: proposal.from,
      outageTo: proposal.to,
      reason,
    }),
  );
}

/** Moves the attempts' deadlines `agoMs` into the past (and their minutes, the clock's source). */
export async function expireAttempts(node: ExamNode, ids: string[], agoMs: number): Promise<void> {
  const Attempts = examDb(node.ctx.conn).Attempts;
  for (const id of ids) {
    const doc = await Attempts.findById(id, { startedAt: 1 }).lean();
    const deadline = new Date(Date.now() - agoMs);
    const minutes = (deadline.getTime() - (doc?.startedAt?.getTime() ?? 0)) / 60_000;
    await Attempts.updateOne({ _id: id }, { $set: { deadline, minutes } });
  }
}

/** Answers the first `n` questions of a tiny paper, all right or all wrong. */
export async function answerAll(
  c: { answer(i: number, ch: string[]): Promise<unknown> },
  n: number,
  right: boolean,
): Promise<void> {
  for (let i = 0; i < n; i++) await c.answer(i, right ? tinyKey(i) : i % 3 === 0 ? ["F"] : ["D"]);
}
