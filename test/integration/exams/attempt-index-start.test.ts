import { expect } from "chai";
import { ensureAttemptIndexes } from "../../../server/exams/attempt-indexes.js";
import { AppError } from "../../../server/lib/errors.js";
import { useTestDatabase } from "../../helpers/database.js";
import { recordingLogger } from "../../helpers/recording-logger.js";

/** What exam delivery's start does with the sitting index, without a whole node (attempt-indexes.ts). */
describe("exam delivery: building the attempts' sitting index at start", function () {
  this.timeout(30_000);
  const db = useTestDatabase("attidxstart", { monitorCommands: true });

  it("when a candidate has two attempts in a session, then an error naming the pair count and the attempt ids is logged before the refusal", async () => {
    const raw = db.conn.collection("exam_attempts");
    await raw.createIndex({ sessionId: 1, candidateId: 1 }, { name: "sessionId_1_candidateId_1" });
    await raw.insertMany([
      { _id: "att_x1" as never, sessionId: "ses_9", candidateId: "cand_9" },
      { _id: "att_x2" as never, sessionId: "ses_9", candidateId: "cand_9" },
    ]);
    const { logger, warnings } = recordingLogger();
    const err = await ensureAttemptIndexes(db.conn, logger).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).details).to.deep.include({ pairs: 1 });
    const logged = warnings().find((l) => l.msg.includes("duplicate exam attempts"));
    expect(logged?.detail).to.deep.include({ pairs: 1 });
    expect(JSON.stringify(logged?.detail.first)).to.include("att_x1").and.include("att_x2");
    // The refusal changed nothing: both attempts, the old index.
    expect(await raw.countDocuments({ sessionId: "ses_9" })).to.equal(2);
    await raw.deleteMany({});
  });

  it("when the unique index is already there, then a start reads no attempts and drops nothing", async () => {
    await db.conn
      .collection("exam_attempts")
      .drop()
      .catch(() => undefined);
    const { logger } = recordingLogger();
    await ensureAttemptIndexes(db.conn, logger);
    const sent: string[] = [];
    const record = (e: { commandName: string }) => sent.push(e.commandName);
    db.conn.getClient().on("commandStarted", record);
    try {
      await ensureAttemptIndexes(db.conn, logger);
    } finally {
      db.conn.getClient().off("commandStarted", record);
    }
    expect(sent).to.not.include("aggregate");
    expect(sent).to.not.include("dropIndexes");
    const indexes = await db.conn.collection("exam_attempts").listIndexes().toArray();
    expect(indexes.filter((i) => i.unique).map((i) => i.name)).to.deep.equal([
      "sessionId_1_candidateId_1_unique",
    ]);
    // The schema's other indexes are built here too (the schema no longer builds them on its own).
    expect(indexes.map((i) => i.name)).to.include.members([
      "candidateId_1_categoryCode_1_submittedAt_1",
      "status_1_deadline_1",
      "categoryCode_1_candidateId_1",
    ]);
  });
});
