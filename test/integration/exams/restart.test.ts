import { expect } from "chai";
import type { Connection } from "mongoose";
import type { CandidateAttemptDto } from "../../../server/contracts/exams.js";
import { attemptModelForTests } from "./support/models.js";
import { answerOf } from "../../helpers/answers.js";
import { testDatabase, uniqueDbName } from "../../helpers/database.js";
import { connectMongo } from "../../../server/lib/mongo.js";
import {
  call,
  candidateUser,
  checkInAll,
  connect,
  JournalCandidate,
  ok,
  proctorUser,
} from "./support/clients.js";
import { spawnExamNode, type ChildNode } from "./support/child.js";
import { createFixtureSession } from "../../../scripts/bench/exam-fixtures.js";

/**
 * Restart (断点续考): a node process is SIGKILLed mid-exam and started again on the same database.
 * Attempts resume with their answers, the remaining time is still right, and a deadline that
 * passed while the node was down is enforced when it comes back. Each start listens on a port the
 * kernel picks and the clients reconnect to the URL the new node prints: what carries the exam
 * over is the database, and a port kept for the restart could be taken while the node is down.
 */
describe("exam delivery: restart after SIGKILL", function () {
  // Two node starts through tsx, each over a minute at load 20-28 (flake hunt).
  this.timeout(300_000);
  let conn: Connection;
  let node: ChildNode | null = null;
  const dbName = uniqueDbName("restart");
  let env: Record<string, string>;

  before(async () => {
    const db = await testDatabase();
    conn = await connectMongo(db.uri, { dbName });
    env = {
      MONGODB_URI: db.uri,
      EXAM_DB_NAME: dbName,
      EXAM_MINUTES: "60",
      EXAM_GRACE_SECONDS: "1",
    };
  });
  after(async () => {
    await node?.stop();
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
  });

  it("when the node is killed mid-exam and restarted, then answers are kept, remaining time is right and a deadline passed while down is enforced", async () => {
    node = await spawnExamNode(env);
    const { session, assignments } = await createFixtureSession(conn, { candidates: 2 });
    const proctor = await connect(node.url, proctorUser());
    await checkInAll(proctor, session.id, assignments);
    const [stay, expire] = assignments.map(
      (a) => new JournalCandidate(node!.url, candidateUser(session.id, a)),
    );
    if (!stay || !expire) throw new Error("fixture");
    await stay.connect();
    await expire.connect();
    const started = new Promise<CandidateAttemptDto>((r) => stay.socket?.once("attempt:started", r));
    ok(await call(proctor, "proctor:release", { sessionId: session.id }));
    const view = await started;
    const given = [0, 1, 2, 3, 4, 5].map((i) => answerOf(view, i));
    for (const [i, choice] of given.entries()) expect(await stay.answer(i, choice)).to.not.equal(null);
    for (let i = 0; i < 3; i++) await expire.answer(i, i % 3 === 0 ? ["T"] : ["B"]);

    proctor.close();
    await node.kill();
    stay.close();
    expire.close();
    // The second attempt's time runs out while the node is down. Set once the node is dead: set
    // before, a kill slower than the deadline plus grace on a loaded machine let the node close it.
    const Attempts = attemptModelForTests(conn);
    const doomed = await Attempts.findById(expire.attemptId).lean();
    const deadline = new Date(Date.now() - 1000);
    await Attempts.updateOne(
      { _id: expire.attemptId },
      { $set: { deadline, minutes: (deadline.getTime() - (doomed?.startedAt?.getTime() ?? 0)) / 60_000 } },
    );
    expect((await Attempts.findById(expire.attemptId).lean())?.status).to.equal("in_progress");

    node = await spawnExamNode(env);
    // The remaining time is checked against the deadline at the moments around the answer, not
    // within a margin of wall time (a loaded machine can stretch one round trip past any margin).
    const asked = Date.now();
    const resumed = await stay.connect(node.url);
    const answered = Date.now();
    expect(resumed.status).to.equal("in_progress");
    expect(resumed.answers.slice(0, 6).map((a) => a.choice)).to.deep.equal(given);
    expect(resumed.lastSeq).to.equal(6);
    expect(resumed.deadline).to.equal(view.deadline);
    expect(resumed.remainingMs ?? 0)
      .to.be.at.most((view.deadline ?? 0) - asked)
      .and.at.least((view.deadline ?? 0) - answered);
    expect(await stay.answer(6, answerOf(view, 6))).to.include({ applied: true, seq: 7 });

    let doc = await Attempts.findById(expire.attemptId).lean();
    for (let i = 0; i < 50 && doc?.status !== "submitted"; i++) {
      await new Promise((r) => setTimeout(r, 200));
      doc = await Attempts.findById(expire.attemptId).lean();
    }
    expect(doc).to.deep.include({ status: "submitted", closeReason: "deadline" });
    expect(doc?.answers.slice(0, 3).map((a) => a.seq)).to.deep.equal([1, 2, 3]);
    expect(doc?.events.filter((e) => e.type === "submit")).to.have.length(1);
    stay.close();
  });
});
