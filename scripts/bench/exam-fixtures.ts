import { randomBytes } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { Schema, type Connection, type Model } from "mongoose";
import type { CategoryCode } from "../../server/contracts/categories.js";
import type { Paper, PaperQuestion } from "../../server/contracts/paper.js";
import {
  BlueprintFile,
  QuestionFile,
  type BankQuestionSnapshot,
} from "../../server/contracts/question-bank.js";
import type { ExamSessionDto, SeatAssignmentDto } from "../../server/contracts/scheduling.js";
import type { PaperPort, SchedulingPort } from "../../server/exams/index.js";
import { makeIdNumber } from "../../server/lib/id-number.js";
import { assemblePaper } from "../../server/question-bank/index.js";

/**
 * Test fixtures for exam delivery: sessions and seat assignments kept in a collection of the test
 * database (so child-process nodes see the same ones), and paper ports that build papers without
 * a seeded bank. Stand-ins for the scheduling and question-bank features in these tests only.
 */
interface FixtureDoc {
  _id: string;
  session: ExamSessionDto;
  assignments: SeatAssignmentDto[];
  /** Bumped by `claimScheduled` (the write that makes releases and cancellations conflict). */
  admissions?: number;
}

/** One document per seat claimed by a check-in, as scheduling's seat assignments are (`claimSeat`). */
interface FixtureSeatDoc {
  _id: string;
  admissions: number;
}
function fixtureSeatModel(conn: Connection): Model<FixtureSeatDoc> {
  return (
    (conn.models.TestFixtureSeat as Model<FixtureSeatDoc> | undefined) ??
    conn.model<FixtureSeatDoc>(
      "TestFixtureSeat",
      new Schema({ _id: String, admissions: Number }),
      "test_fixture_seats",
    )
  );
}
const seatKey = (sessionId: string, candidateId: string) => `${sessionId}/${candidateId}`;

function fixtureModel(conn: Connection): Model<FixtureDoc> {
  return (
    (conn.models.TestFixtureSession as Model<FixtureDoc> | undefined) ??
    conn.model<FixtureDoc>(
      "TestFixtureSession",
      new Schema(
        { _id: String, session: Schema.Types.Mixed, assignments: [Schema.Types.Mixed], admissions: Number },
        { minimize: false },
      ),
      "test_fixture_sessions",
    )
  );
}

/** A scheduling port reading the fixture collection. */
export function fixtureScheduling(conn: Connection): SchedulingPort {
  const Fixtures = fixtureModel(conn);
  const Seats = fixtureSeatModel(conn);
  return {
    // Only the session: the fixture document also holds the room's assignments (100 in the bench).
    async getSession(sessionId) {
      return (await Fixtures.findById(sessionId, { session: 1 }).lean<FixtureDoc>())?.session ?? null;
    },
    async listAssignments(sessionId) {
      return (await Fixtures.findById(sessionId).lean<FixtureDoc>())?.assignments ?? [];
    },
    // A fixture room is never wanted by another session, unless a test says so (`roomTakenAfter`);
    // its booking store is up, unless a test says it is down (`holdFails`).
    async holdRoomUntil(sessionId, until, _owed, tx) {
      const doc = await Fixtures.findById(sessionId)
        .session(tx ?? null)
        .lean<FixtureDoc & { roomTakenAfter?: Date; holdFails?: boolean }>();
      if (!doc) return false;
      if (doc.holdFails) throw new Error("room booking store unavailable");
      if (doc.roomTakenAfter && until > doc.roomTakenAfter) return false;
      if (until.toISOString() > doc.session.bookedUntil)
        await Fixtures.updateOne(
          { _id: sessionId },
          { $set: { "session.bookedUntil": until.toISOString() } },
          { session: tx },
        );
      return true;
    },
    // As scheduling does: a write on the session inside the caller's transaction, while not cancelled.
    async claimScheduled(sessionId, tx, at) {
      const r = await Fixtures.updateOne(
        { _id: sessionId, "session.status": { $ne: "cancelled" } },
        { $inc: { admissions: 1 } },
        { session: tx },
      );
      if (r.matchedCount !== 1) return false;
      // As scheduling does: the first release stays the session's release.
      await Fixtures.updateOne(
        { _id: sessionId, "session.releasedAt": null },
        { $set: { "session.releasedAt": at.toISOString() } },
        { session: tx },
      );
      return true;
    },
    // As scheduling does: the session read in the caller's transaction, then a write on the
    // candidate's own seat, which `cancelFixtureSession` writes too. The read's filter holds the
    // checks (scheduled, the candidate seated) and returns the session only; which check failed
    // is asked again only when one did.
    async claimSeat(sessionId, candidateId, tx) {
      const doc = await Fixtures.findOne(
        { _id: sessionId, "session.status": { $ne: "cancelled" }, "assignments.candidateId": candidateId },
        { session: 1 },
      )
        .session(tx)
        .lean<FixtureDoc>();
      if (!doc) {
        const open = await Fixtures.exists({
          _id: sessionId,
          "session.status": { $ne: "cancelled" },
        }).session(tx);
        return open ? "not_assigned" : "session_cancelled";
      }
      await Seats.updateOne(
        { _id: seatKey(sessionId, candidateId) },
        { $inc: { admissions: 1 } },
        { upsert: true, session: tx },
      );
      return doc.session;
    },
    // As scheduling does: only a session without a blueprint is pinned, and the pin is answered.
    async pinBlueprint(sessionId, ref) {
      await Fixtures.updateOne(
        { _id: sessionId, "session.blueprint": null },
        { $set: { "session.blueprint": ref } },
      );
      return (
        (await Fixtures.findById(sessionId, { session: 1 }).lean<FixtureDoc>())?.session.blueprint ?? null
      );
    },
  };
}

/** Cancels a fixture session the way scheduling does: its status and every seat, in one transaction. */
export async function cancelFixtureSession(conn: Connection, sessionId: string): Promise<void> {
  const Fixtures = fixtureModel(conn);
  const Seats = fixtureSeatModel(conn);
  await conn.transaction(async (tx) => {
    const doc = await Fixtures.findOneAndUpdate(
      { _id: sessionId },
      { $set: { "session.status": "cancelled" } },
      { session: tx },
    ).lean<FixtureDoc>();
    for (const a of doc?.assignments ?? [])
      await Seats.updateOne(
        { _id: seatKey(sessionId, a.candidateId) },
        { $inc: { admissions: 1 } },
        { upsert: true, session: tx },
      );
  });
}

export interface FixtureSessionOptions {
  candidates: number;
  categoryCode?: CategoryCode;
  startsAt?: Date;
  /** The session's length, which rules the candidate's clock (default 60). */
  durationMinutes?: number;
  lateEntryMinutes?: number;
  earliestHandInMinutes?: number;
  testCentreId?: string;
  /** A session scheduled before its category had a blueprint: the first check-in pins one. */
  unpinned?: boolean;
}

/** Creates one session with `candidates` assigned candidates on seats 1..n. */
export async function createFixtureSession(
  conn: Connection,
  o: FixtureSessionOptions,
): Promise<{ session: ExamSessionDto; assignments: SeatAssignmentDto[] }> {
  const id = `ses_${randomBytes(6).toString("hex")}`;
  const startsAt = o.startsAt ?? new Date();
  const session: ExamSessionDto = {
    id,
    categoryCode: o.categoryCode ?? "01001",
    testCentreId: o.testCentreId ?? "tc-1",
    testCentreName: "南京市第一考点",
    roomId: "room-1",
    roomName: "第一考场",
    startsAt: startsAt.toISOString(),
    durationMinutes: o.durationMinutes ?? 60,
    endsAt: new Date(startsAt.getTime() + (o.durationMinutes ?? 60) * 60_000).toISOString(),
    bookedUntil: new Date(
      startsAt.getTime() + ((o.durationMinutes ?? 60) + (o.lateEntryMinutes ?? 20)) * 60_000,
    ).toISOString(),
    overrunBy: null,
    // Pinned as scheduling pins a session when its category has a blueprint (the fixture papers' one).
    blueprint: o.unpinned ? null : { id: "bp-test", version: 1 },
    capacity: o.candidates,
    lateEntryMinutes: o.lateEntryMinutes ?? 20,
    earliestHandInMinutes: o.earliestHandInMinutes ?? 0,
    provinceCode: "320000",
    divisionCode: "320100",
    status: "scheduled",
    lifecycle: "scheduled",
    assignedCount: o.candidates,
    releasedAt: null,
  };
  const tag = randomBytes(3).toString("hex");
  const assignments: SeatAssignmentDto[] = Array.from({ length: o.candidates }, (_, i) => ({
    candidateId: `cand_${tag}_${i + 1}`,
    ticketNo: `T${tag}${String(i + 1).padStart(4, "0")}`,
    seatId: `seat-${i + 1}`,
    seatNo: i + 1,
    name: `考生${i + 1}`,
    idNumber: makeIdNumber("320102", "1985-03-15", ((parseInt(tag, 16) * 7 + i) % 999) + 1),
  }));
  await fixtureModel(conn).create({ _id: id, session, assignments });
  return { session, assignments };
}

/** Time passes for a fixture session: its start and end move `minutes` into the past. */
export async function moveFixtureSessionBack(
  conn: Connection,
  sessionId: string,
  minutes: number,
): Promise<void> {
  const Fixtures = fixtureModel(conn);
  const doc = await Fixtures.findById(sessionId).lean<FixtureDoc>();
  if (!doc) throw new Error(`no fixture session ${sessionId}`);
  const move = (iso: string) => new Date(new Date(iso).getTime() - minutes * 60_000).toISOString();
  await Fixtures.updateOne(
    { _id: sessionId },
    { $set: { "session.startsAt": move(doc.session.startsAt), "session.endsAt": move(doc.session.endsAt) } },
  );
}

/** The answer key of the tiny paper's question i (displayed lettering). */
export function tinyKey(i: number): ("A" | "B" | "C" | "T")[] {
  return i % 3 === 0 ? ["T"] : i % 3 === 1 ? ["B"] : ["A", "C"];
}

/**
 * A paper port that builds a small known paper (questions cycle 判断/单选/多选, 1 point each,
 * multiple all-or-nothing) so tests can answer right or wrong on purpose.
 */
export function tinyPapers(
  o: {
    questions?: number;
    minutes?: number;
    passMark?: number;
    scoring?: Paper["multipleScoring"];
    retake?: { freeRetakes: number; waitDays: number };
  } = {},
): PaperPort {
  const n = o.questions ?? 10;
  return {
    async buildPaper(input) {
      const questions: PaperQuestion[] = Array.from({ length: n }, (_, i) => {
        const type = i % 3 === 0 ? "true_false" : i % 3 === 1 ? "single" : "multiple";
        return {
          questionId: `q${i + 1}`,
          version: 1,
          type,
          chapter: "安全行车",
          difficulty: 3,
          stem: `第 ${i + 1} 题：连续驾驶 4 小时后应休息不少于多少分钟？`,
          options:
            type === "true_false" ? [] : ["A", "B", "C", "D"].map((key) => ({ key, text: `选项${key}` })),
          optionOrder: type === "true_false" ? [] : ["A", "B", "C", "D"],
          answer: tinyKey(i),
          explanation: `SECRET-EXPLANATION-${i + 1}`,
          points: 1,
        };
      });
      return {
        categoryCode: input.categoryCode,
        blueprintId: "bp-test",
        blueprintVersion: 1,
        seed: input.seed,
        minutes: o.minutes ?? 60,
        passMark: o.passMark ?? Math.ceil(n * 0.8),
        totalPoints: n,
        multipleScoring: o.scoring ?? "all_or_nothing",
        questions,
      };
    },
    async policies() {
      return { retake: o.retake ?? { freeRetakes: 1, waitDays: 30 }, accommodations: { low_vision: 15 } };
    },
    async currentBlueprint() {
      return { id: "bp-test", version: 1, minutes: o.minutes ?? 60 };
    },
  };
}

/**
 * A paper port over the project's sample banks (question-bank/*.json) and the real assembly
 * function: full-size papers (e.g. 100 questions) for the benchmark, without seeding a database.
 */
export async function samplePapers(dir = path.resolve("question-bank")): Promise<PaperPort> {
  const snapshots: BankQuestionSnapshot[] = [];
  for (const name of (await readdir(dir)).filter((f) => f.endsWith(".json"))) {
    const file = QuestionFile.parse(JSON.parse(await readFile(path.join(dir, name), "utf8")));
    for (const q of file.questions) {
      snapshots.push({
        id: q.ref,
        version: 1,
        type: q.type,
        stem: q.stem,
        options: q.options,
        answer: q.answer,
        explanation: q.explanation,
        chapter: q.chapter,
        categories: q.categories,
        difficulty: q.difficulty,
      });
    }
  }
  const blueprints = new Map<string, BlueprintFile["blueprint"]>();
  for (const name of (await readdir(path.join(dir, "blueprints"))).filter((f) => f.endsWith(".json"))) {
    const bp = BlueprintFile.parse(
      JSON.parse(await readFile(path.join(dir, "blueprints", name), "utf8")),
    ).blueprint;
    blueprints.set(bp.categoryCode, bp);
  }
  return {
    async buildPaper(input) {
      const bp = blueprints.get(input.categoryCode);
      if (!bp) throw new Error(`no sample blueprint for ${input.categoryCode}`);
      return assemblePaper({
        questions: snapshots,
        blueprint: { ...bp, id: `bp-${bp.categoryCode}`, version: 1 },
        seed: input.seed,
        avoidQuestionIds: input.avoidQuestionIds,
        exposure: input.exposure,
      });
    },
    async policies() {
      return { retake: { freeRetakes: 1, waitDays: 30 }, accommodations: {} };
    },
    async currentBlueprint(categoryCode) {
      const bp = blueprints.get(categoryCode);
      return bp ? { id: `bp-${categoryCode}`, version: 1, minutes: bp.minutes } : null;
    },
  };
}
