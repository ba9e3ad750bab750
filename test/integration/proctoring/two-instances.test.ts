import { expect } from "chai";
import type { Connection } from "mongoose";
import type { CandidateAttemptDto, ClockEventDto, SeatViewDto } from "../../../server/contracts/exams.js";
import type { Paper } from "../../../server/contracts/paper.js";
import { connectMongo } from "../../../server/lib/mongo.js";
import { answerOf } from "../../helpers/answers.js";
import { testDatabase, uniqueDbName } from "../../helpers/database.js";
import {
  call,
  candidateUser,
  checkInAll,
  connect,
  JournalCandidate,
  leaks,
  ok,
  proctorUser,
} from "../exams/support/clients.js";
import { spawnExamNode, type ChildNode } from "../exams/support/child.js";
import { createFixtureSession } from "../../../scripts/bench/exam-fixtures.js";
import { attemptModelForTests, examDb } from "../exams/support/models.js";
import { toCandidateQuestion } from "../../../server/exams/index.js";
import { TEST_REDIS_URL as REDIS_URL } from "../../helpers/exam-nodes.js";

/**
 * Scale-out: two node processes share one database and socket.io rooms through the Redis adapter.
 * A proctor on instance B controls a candidate on instance A; when A dies the candidate carries on
 * at B; each deadline expiry happens once although both instances sweep.
 */
describe("proctoring: two instances behind Redis", function () {
  this.timeout(240_000);
  let conn: Connection;
  let a: ChildNode | null = null;
  let b: ChildNode | null = null;
  const dbName = uniqueDbName("scale");

  before(async () => {
    const db = await testDatabase();
    conn = await connectMongo(db.uri, { dbName });
    const env = {
      MONGODB_URI: db.uri,
      EXAM_DB_NAME: dbName,
      EXAM_MINUTES: "60",
      EXAM_GRACE_SECONDS: "1",
      REDIS_URL,
    };
    // Both are kept even when one fails to start, so `after` stops the other (a child left running
    // holds the test process open).
    const started = await Promise.allSettled([spawnExamNode(env), spawnExamNode(env)]);
    const [first, second] = started.map((s) => (s.status === "fulfilled" ? s.value : null));
    a = first ?? null;
    b = second ?? null;
    for (const s of started) if (s.status === "rejected") throw s.reason;
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
  });

  it("when a proctor on B pauses a candidate on A and A dies, then the pause crosses instances and the candidate continues on B with nothing lost", async () => {
    if (!a || !b) throw new Error("nodes");
    const { session, assignments } = await createFixtureSession(conn, { candidates: 1 });
    const seat = assignments[0];
    if (!seat) throw new Error("fixture");
    const proctor = await connect(b.url, proctorUser());
    ok(await call(proctor, "proctor:watch", { sessionId: session.id }));
    ok(
      await call(proctor, "proctor:check_in", {
        sessionId: session.id,
        candidateId: seat.candidateId,
        idNumber: seat.idNumber,
      }),
    );
    const cand = new JournalCandidate(a.url, candidateUser(session.id, seat));
    await cand.connect();
    const started = new Promise<CandidateAttemptDto>((r) => cand.socket?.once("attempt:started", r));
    ok(await call(proctor, "proctor:release", { sessionId: session.id }));
    // B released from its cache of shared questions (check-in was on B); A got the paper through
    // the adapter: it must be this candidate's own paper, question for question.
    const stored = await examDb(conn).Papers.findById(cand.attemptId).lean();
    const questions = (await started).questions;
    expect(questions).to.have.length(10);
    expect(questions).to.deep.equal((stored?.paper as Paper | undefined)?.questions.map(toCandidateQuestion));

    // Seats changed by saves reach the console collected, once a second.
    const seatSeen = new Promise<SeatViewDto>((r) => {
      proctor.on("session:seats", (list) => {
        const s = list.find((x) => x.answered >= 1);
        if (s) r(s);
      });
    });
    await cand.answer(0, ["T"]);
    await cand.answer(1, ["B"]);
    expect((await seatSeen).attemptId).to.equal(cand.attemptId);

    const paused = new Promise<ClockEventDto>((r) => cand.socket?.once("attempt:clock", r));
    ok(await call(proctor, "proctor:pause", { sessionId: session.id, reason: "监考员在 B 实例上暂停" }));
    expect((await paused).paused).to.equal(true);
    const refused = await cand.answer(2, ["A", "C"]);
    expect(refused).to.equal(null);
    const resumed = new Promise<ClockEventDto>((r) => cand.socket?.once("attempt:clock", r));
    ok(await call(proctor, "proctor:resume", { sessionId: session.id }));
    expect((await resumed).paused).to.equal(false);

    await a.kill();
    a = null;
    cand.close();
    const view = await cand.connect(b.url);
    expect(view.answers.slice(0, 2).map((x) => x.choice)).to.deep.equal([["T"], ["B"]]);
    await cand.replay();
    for (let i = 3; i < 10; i++) await cand.answer(i, answerOf(view, i));
    expect(cand.journal.size).to.equal(0);
    const done = ok(await cand.submit());
    expect(done.status).to.equal("submitted");
    const doc = await attemptModelForTests(conn).findById(cand.attemptId).lean();
    for (const [index, choice] of cand.intended)
      expect(doc?.answers[index]?.choice, `question ${index}`).to.deep.equal([...choice].sort());
    expect(leaks(cand.received)).to.deep.equal([]);
    proctor.close();
    cand.close();
  });

  it("when both instances sweep the same expired attempts, then each expiry happens exactly once", async () => {
    if (!b) throw new Error("nodes");
    const { session, assignments } = await createFixtureSession(conn, { candidates: 8 });
    const proctor = await connect(b.url, proctorUser());
    await checkInAll(proctor, session.id, assignments);
    ok(await call(proctor, "proctor:release", { sessionId: session.id }));
    proctor.close();
    // Restart a second instance so two sweepers run, then make every deadline pass at once.
    const db = await testDatabase();
    a = await spawnExamNode({
      MONGODB_URI: db.uri,
      EXAM_DB_NAME: dbName,
      EXAM_MINUTES: "60",
      EXAM_GRACE_SECONDS: "1",
      REDIS_URL,
    });
    const Attempts = attemptModelForTests(conn);
    await Attempts.updateMany({ sessionId: session.id }, { $set: { deadline: new Date(Date.now() - 2000) } });
    let docs = await Attempts.find({ sessionId: session.id }).lean();
    for (let i = 0; i < 50 && docs.some((d) => d.status !== "submitted"); i++) {
      await new Promise((r) => setTimeout(r, 200));
      docs = await Attempts.find({ sessionId: session.id }).lean();
    }
    expect(docs).to.have.length(8);
    for (const d of docs) {
      expect(d.status).to.equal("submitted");
      expect(d.events.filter((e) => e.type === "submit")).to.have.length(1);
    }
    expect(await conn.collection("exam_results").countDocuments({ sessionId: session.id })).to.equal(8);
  });

  it("when a candidate's second page opens the attempt on the other instance, then the first page is told and disconnected there", async () => {
    if (!a || !b) throw new Error("nodes");
    const { session, assignments } = await createFixtureSession(conn, { candidates: 1 });
    const seat = assignments[0];
    if (!seat) throw new Error("fixture");
    const proctor = await connect(b.url, proctorUser());
    await checkInAll(proctor, session.id, assignments);
    const onA = new JournalCandidate(a.url, candidateUser(session.id, seat));
    await onA.connect();
    const told = new Promise<string>((r) => onA.socket?.once("attempt:taken_over", (p) => r(p.attemptId)));
    const gone = new Promise<string>((r) => onA.socket?.once("disconnect", r));
    const onB = await connect(b.url, onA.user);
    ok(await call(onB, "attempt:sync", {}));
    expect(await told).to.equal(onA.attemptId);
    expect(await gone).to.equal("io server disconnect");
    onB.close();
    onA.close();
    proctor.close();
  });
});
