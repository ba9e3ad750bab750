import { expect } from "chai";
import request from "supertest";
import { testUserHeader } from "../../../scripts/bench/exam-node.js";
import {
  cancelFixtureSession,
  createFixtureSession,
  moveFixtureSessionBack,
  tinyKey,
} from "../../../scripts/bench/exam-fixtures.js";
import type { SessionReportDto } from "../../../server/contracts/exams.js";
import { MAX_OUT_OF_ORDER, MAX_SAVE_EVENTS } from "../../../server/exams/index.js";
import { answerOf } from "../../helpers/answers.js";
import { call, checkInSeat, connect, ok, officerUser, proctorUser } from "./support/clients.js";
import { examDb } from "./support/models.js";
import { anotherSittingOf, aRoom, useExamNode } from "./support/setup.js";

/** Long enough back for any fixture session (60 minutes, 20 of late entry) to be over. */
const OVER = 3 * 60;

/**
 * What may be published, and what a publication says: only a session that took place and is over,
 * with the report read inside the publication's own transaction; and a voided sitting stays voided.
 */
describe("exam delivery: who may sit again, and what a publication says", function () {
  this.timeout(60_000);
  const env = useExamNode();
  const publish = (sessionId: string) =>
    request(env.node.url)
      .post(`/api/exam-sessions/${sessionId}/results/publish`)
      .set("x-test-user", testUserHeader(officerUser()))
      .send({});

  it("when a session was cancelled before anyone sat it, then its results cannot be published and nobody is made absent", async () => {
    const { session } = await createFixtureSession(env.node.ctx.conn, { candidates: 2 });
    await cancelFixtureSession(env.node.ctx.conn, session.id);
    await moveFixtureSessionBack(env.node.ctx.conn, session.id, OVER);
    const refused = await publish(session.id);
    expect(refused.status).to.equal(409);
    expect(refused.body.error.code).to.equal("session_cancelled");
    expect(refused.body.error.message).to.match(/已取消/);
    expect(
      await env.node.ctx.conn.collection("exam_publications").countDocuments({ sessionId: session.id }),
    ).to.equal(0);
  });

  it("when a cancelled session's report is read or exported, then it says cancelled and holds no results: nobody is absent and no publication deadline is named", async () => {
    const { session } = await createFixtureSession(env.node.ctx.conn, { candidates: 2 });
    await cancelFixtureSession(env.node.ctx.conn, session.id);
    const read = (suffix: string) =>
      request(env.node.url)
        .get(`/api/exam-sessions/${session.id}/${suffix}`)
        .set("x-test-user", testUserHeader(officerUser()));
    const report = (await read("report").expect(200)).body as SessionReportDto;
    expect(report.session.status).to.equal("cancelled");
    expect(report.results).to.deep.equal([]);
    expect(report.attendance).to.deep.equal({
      assigned: 2,
      checkedIn: 0,
      submitted: 0,
      absent: 0,
      voided: 0,
    });

    const csv = (await read("report.csv").expect(200)).text;
    const lines = csv.split(/\r?\n/).filter((l) => l !== "");
    expect(lines).to.include("成绩状态,已取消（无成绩）");
    // Added up into a centre's or a month's figures, its seats are neither expected nor absent.
    expect(lines).to.include("应考,0,实考,0,缺考,0,违纪,0,原安排（场次已取消）,2");
    expect(csv).not.to.include("须于");
    // Nothing under the candidates' header: no row reads 缺考.
    expect(lines.at(-1)).to.match(/^准考证号,/);
  });

  it("when a proctor checks in a candidate whose sitting was voided, then it is refused and the candidate gets no second paper", async () => {
    const room = await aRoom(env.node, { candidates: 1 });
    try {
      const [assignment] = room.assignments;
      const [candidate] = room.candidates;
      if (!assignment || !candidate) throw new Error("fixture");
      ok(await call(room.proctor, "proctor:void", { attemptId: candidate.attemptId, note: "替考，违纪" }));
      const again = await checkInSeat(room.proctor, room.session.id, assignment);
      expect(!again.ok && again.error.code).to.equal("attempt_voided");
      expect(!again.ok && again.error.message).to.match(/违纪作废/);
      const { Attempts, Papers } = examDb(env.node.ctx.conn);
      const attempts = await Attempts.find({ sessionId: room.session.id }).lean();
      expect(attempts.map((a) => a.status)).to.deep.equal(["voided"]);
      expect(await Papers.countDocuments({ sessionId: room.session.id })).to.equal(1);
    } finally {
      room.close();
    }
  });

  it("when a candidate seated in two sittings passed the first, then the second check-in is refused and no paper is drawn", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const [candidate] = room.candidates;
    const [seat] = room.assignments;
    if (!candidate || !seat) throw new Error("fixture");
    try {
      for (let i = 0; i < 10; i++) await candidate.answer(i, tinyKey(i));
      ok(await candidate.submit());
      // Seated in July's sitting too, back when June's had not been sat yet.
      const july = { session: await anotherSittingOf(env.node, seat) };
      const refused = await checkInSeat(room.proctor, july.session.id, seat);
      expect(!refused.ok && refused.error.code).to.equal("already_passed");
      expect(!refused.ok && refused.error.message).to.match(/通过本类别考试，不再入场/);
      const { Attempts, Papers } = examDb(env.node.ctx.conn);
      expect(await Attempts.countDocuments({ sessionId: july.session.id })).to.equal(0);
      expect(await Papers.countDocuments({ sessionId: july.session.id })).to.equal(0);
    } finally {
      room.close();
    }
  });

  it("when a void commits after the officer pressed publish but before the publication, then the published report shows the sitting voided", async () => {
    const room = await aRoom(env.node, { candidates: 2, release: true });
    const [voided, kept] = room.candidates;
    if (!voided || !kept) throw new Error("fixture");
    const audit = env.node.audit;
    const transaction = audit.transaction;
    try {
      for (const c of [voided, kept]) {
        for (let i = 0; i < 10; i++) await c.answer(i, tinyKey(i));
        ok(await c.submit());
      }
      await moveFixtureSessionBack(env.node.ctx.conn, room.session.id, OVER);
      // The next audited transaction is the publication's: a proctor's void commits just before it.
      let stepped = false;
      audit.transaction = (async (work: Parameters<typeof transaction>[0]) => {
        if (!stepped) {
          stepped = true;
          ok(
            await call(room.proctor, "proctor:void", { attemptId: voided.attemptId, note: "夹带资料，违纪" }),
          );
        }
        return transaction(work);
      }) as typeof transaction;
      const published = await publish(room.session.id);
      expect(stepped).to.equal(true);
      expect(published.status).to.equal(200);
      const report = published.body as SessionReportDto;
      const statusOf = (attemptId: string) => report.results.find((r) => r.attemptId === attemptId)?.status;
      expect(statusOf(voided.attemptId)).to.equal("voided");
      expect(statusOf(kept.attemptId)).to.equal("submitted");
      expect(report.attendance).to.include({ submitted: 1, voided: 1 });
      const stored = await env.node.ctx.conn
        .collection<{ report: SessionReportDto }>("exam_publications")
        .findOne({ sessionId: room.session.id });
      expect(stored?.report.attendance).to.include({ submitted: 1, voided: 1 });
      const attempt = await examDb(env.node.ctx.conn).Attempts.findById(voided.attemptId).lean();
      expect(attempt?.status).to.equal("voided");
    } finally {
      audit.transaction = transaction;
      room.close();
    }
  });
});

describe("exam delivery: an attempt's saves are bounded", function () {
  this.timeout(60_000);
  const env = useExamNode();

  it("when a page has saved more than any sitting does, then further saves are refused saves_exhausted and the attempt is unchanged", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const [c] = room.candidates;
    if (!c?.socket) throw new Error("fixture");
    try {
      await c.answer(0, answerOf(c.attempt, 0));
      const Attempts = env.node.ctx.conn.collection("exam_attempts");
      // As if the page had looped over its answers: the chain is at the bound (only its count
      // matters to the rule; the chain itself is not read).
      await Attempts.updateOne({ _id: c.attemptId as never }, { $set: { chainN: MAX_SAVE_EVENTS } });
      const before = await Attempts.findOne({ _id: c.attemptId as never });
      const refused = await call(c.socket, "attempt:answer", {
        attemptId: c.attemptId,
        seq: 1_000,
        index: 1,
        choice: ["B"],
      });
      expect(!refused.ok && refused.error.code).to.equal("saves_exhausted");
      expect(!refused.ok && refused.error.message).to.match(/联系监考员/);
      const after = await Attempts.findOne({ _id: c.attemptId as never });
      expect(after?.answers).to.deep.equal(before?.answers);
      expect(after?.events).to.have.length((before?.events as unknown[]).length);
    } finally {
      room.close();
    }
  });

  it("when a page sends seqs far out of order, then the list of them stops growing at its bound", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const [c] = room.candidates;
    if (!c?.socket) throw new Error("fixture");
    try {
      const send = (seq: number) =>
        call(c.socket!, "attempt:answer", {
          attemptId: c.attemptId,
          seq,
          index: seq % 10,
          choice: answerOf(c.attempt, seq % 10),
        });
      // Seq 1 never comes: every even seq after it is listed as out of order.
      for (let i = 1; i <= MAX_OUT_OF_ORDER; i++) ok(await send(2 * i));
      const refused = await send(2 * MAX_OUT_OF_ORDER + 2);
      expect(!refused.ok && refused.error.code).to.equal("saves_exhausted");
      const after = await env.node.ctx.conn
        .collection("exam_attempts")
        .findOne({ _id: c.attemptId as never });
      expect(after?.seen).to.have.length(MAX_OUT_OF_ORDER);
    } finally {
      room.close();
    }
  });
});

describe("exam delivery: a second check-in of a checked-in candidate", function () {
  this.timeout(60_000);
  // The tiny papers' blueprint approves 15 minutes for low_vision.
  const env = useExamNode();
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 7)]);

  it("when a second check-in adds an accommodation or a photo the first did not have, then it is refused and the clock is unchanged; a plain repeat still answers", async () => {
    const room = await aRoom(env.node, { candidates: 1 });
    const [assignment] = room.assignments;
    if (!assignment) throw new Error("fixture");
    const checkIn = (extra: Record<string, unknown>) =>
      call(room.proctor, "proctor:check_in", {
        sessionId: room.session.id,
        candidateId: assignment.candidateId,
        idNumber: assignment.idNumber,
        ...extra,
      });
    try {
      const Attempts = examDb(env.node.ctx.conn).Attempts;
      const before = await Attempts.findOne({ sessionId: room.session.id }).lean();
      for (const extra of [
        { accommodation: "low_vision" },
        { photo: `data:image/jpeg;base64,${jpeg.toString("base64")}` },
      ]) {
        const refused = await checkIn(extra);
        expect(!refused.ok && refused.error.code, JSON.stringify(Object.keys(extra))).to.equal(
          "already_checked_in",
        );
      }
      const after = await Attempts.findOne({ sessionId: room.session.id }).lean();
      expect(after?.accommodationMinutes).to.equal(before?.accommodationMinutes);
      expect(after?.onSitePhoto).to.equal(false);
      expect(ok(await checkIn({})).seat.attemptId).to.equal(before?._id);
    } finally {
      room.close();
    }
  });
});

describe("exam delivery: the seat a check-in names", () => {
  const env = useExamNode();

  it("when a check-in names a seat other than the assigned one, then it is refused and nothing is written; the assigned seat checks in with its number", async () => {
    const { session, assignments } = await createFixtureSession(env.node.ctx.conn, { candidates: 2 });
    const [first, second] = assignments;
    if (!first || !second) throw new Error("fixture");
    const proctor = await connect(env.node.url, proctorUser());
    try {
      ok(await call(proctor, "proctor:watch", { sessionId: session.id }));
      const checkIn = (seatId: string) =>
        call(proctor, "proctor:check_in", {
          sessionId: session.id,
          candidateId: first.candidateId,
          idNumber: first.idNumber,
          seatId,
        });
      // The neighbour's seat, and a seat that is not in the room at all.
      for (const seatId of [second.seatId, "seat-not-in-room"]) {
        const refused = await checkIn(seatId);
        expect(!refused.ok && refused.error.code, seatId).to.equal("not_assigned_seat");
      }
      const Attempts = examDb(env.node.ctx.conn).Attempts;
      expect(await Attempts.countDocuments({ sessionId: session.id })).to.equal(0);
      ok(await checkIn(first.seatId));
      const attempt = await Attempts.findOne({
        sessionId: session.id,
        candidateId: first.candidateId,
      }).lean();
      expect({ seatId: attempt?.seatId, seatNo: attempt?.seatNo }).to.deep.equal({
        seatId: first.seatId,
        seatNo: first.seatNo,
      });
    } finally {
      proctor.close();
    }
  });
});
