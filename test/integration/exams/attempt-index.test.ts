import { expect } from "chai";
import type { Connection } from "mongoose";
import { createFixtureSession } from "../../../scripts/bench/exam-fixtures.js";
import { startExamNode } from "../../../scripts/bench/exam-node.js";
import { AppError } from "../../../server/lib/errors.js";
import { connectMongo } from "../../../server/lib/mongo.js";
import { testDatabase, uniqueDbName } from "../../helpers/database.js";
import { startHoldingProxy } from "../../helpers/holding-proxy.js";
import { startTestNode } from "../../helpers/node.js";
import { call, connect, proctorUser } from "./support/clients.js";

/**
 * One attempt per candidate and session is the database's rule, not only the code's: a race or a
 * bug writing a second sitting could give a candidate two results. Nodes from before the rule hold
 * a non-unique index on the same keys, which MongoDB will not turn unique in place, so the node
 * replaces it at start, and refuses to start over duplicates it must not choose between.
 */
describe("exam delivery: the database keeps one attempt per candidate and session", function () {
  this.timeout(60_000);
  const OLD = "sessionId_1_candidateId_1";
  const opened: Connection[] = [];

  /** A database as a node from before the rule left it: the old non-unique index and `attempts`. */
  async function oldDatabase(attempts: { _id: string; sessionId: string; candidateId: string }[]) {
    const dbName = uniqueDbName("attidx");
    const conn = await connectMongo((await testDatabase()).uri, { dbName });
    opened.push(conn);
    const raw = conn.collection("exam_attempts");
    await raw.createIndex({ sessionId: 1, candidateId: 1 }, { name: OLD });
    if (attempts.length > 0)
      await raw.insertMany(
        // String ids, as the product's attempts have (the driver's typing expects ObjectIds).
        attempts.map((a) => ({ ...a, _id: a._id as never, categoryCode: "01001", status: "checked_in" })),
      );
    return { dbName, raw };
  }

  after(async () => {
    for (const conn of opened) {
      await conn.dropDatabase().catch(() => undefined);
      await conn.close();
    }
  });

  it("when the node starts over the old non-unique index with no duplicates, then the index is unique afterwards", async () => {
    const { dbName, raw } = await oldDatabase([
      { _id: "att_a", sessionId: "ses_1", candidateId: "cand_1" },
      { _id: "att_b", sessionId: "ses_1", candidateId: "cand_2" },
    ]);
    const node = await startTestNode({ shareDatabase: dbName });
    try {
      const indexes = await raw.listIndexes().toArray();
      const onKeys = indexes.filter(
        (i) => JSON.stringify(i.key) === JSON.stringify({ sessionId: 1, candidateId: 1 }),
      );
      expect(onKeys, "one index on the keys, the new one").to.have.length(1);
      expect(onKeys[0]?.name).to.not.equal(OLD);
      expect(onKeys[0]?.unique).to.equal(true);
      expect(await raw.countDocuments()).to.equal(2);
    } finally {
      await node.stop();
    }
  });

  it("when duplicates exist, then start refuses with the code and no attempt is deleted", async () => {
    const { dbName, raw } = await oldDatabase([
      { _id: "att_dup1", sessionId: "ses_1", candidateId: "cand_1" },
      { _id: "att_dup2", sessionId: "ses_1", candidateId: "cand_1" },
      { _id: "att_ok", sessionId: "ses_1", candidateId: "cand_2" },
    ]);
    const refused = await startTestNode({ shareDatabase: dbName }).then(
      async (node) => {
        await node.stop();
        return null;
      },
      (err: unknown) => err,
    );
    expect(refused).to.be.instanceOf(AppError);
    const err = refused as AppError;
    expect(err.code).to.equal("duplicate_attempts");
    expect(err.message).to.include("att_dup1").and.include("att_dup2").and.include("1");
    expect(err.message, "Chinese for the operator").to.match(/[\u4e00-\u9fff]/);
    expect(err.message, "and English").to.include("Duplicate exam attempts");
    expect(await raw.countDocuments()).to.equal(3);
    // Nothing was changed: the old index stays until the duplicates are cleaned.
    expect((await raw.listIndexes().toArray()).map((i) => i.name)).to.include(OLD);
  });

  it("when start refuses over duplicates, then the mongosh command it prints finds those same pairs", async () => {
    const { dbName, raw } = await oldDatabase([
      { _id: "att_dup1", sessionId: "ses_1", candidateId: "cand_1" },
      { _id: "att_dup2", sessionId: "ses_1", candidateId: "cand_1" },
      { _id: "att_ok", sessionId: "ses_1", candidateId: "cand_2" },
    ]);
    const refused = await startTestNode({ shareDatabase: dbName }).then(
      async (node) => {
        await node.stop();
        return null;
      },
      (err: unknown) => err,
    );
    expect(refused).to.be.instanceOf(AppError);
    // The operator pastes the command into mongosh: run it here as they would, on the same data.
    const command = /db\.(\w+)\.aggregate\((\[.*?\]), (\{.*?\})\)/.exec((refused as AppError).message);
    expect(command, "a mongosh aggregate command in the refusal").to.not.equal(null);
    const [, collection, pipeline, options] = command ?? [];
    expect(collection).to.equal(raw.collectionName);
    const found = await raw
      .aggregate<{ ids: string[] }>(
        JSON.parse(pipeline ?? "") as object[],
        JSON.parse(options ?? "") as object,
      )
      .toArray();
    expect(found.map((p) => [...p.ids].sort())).to.deep.equal([["att_dup1", "att_dup2"]]);
  });

  it("when a second attempt for the same candidate and session is inserted, then the database refuses it", async () => {
    const node = await startTestNode();
    try {
      const raw = node.ctx.conn.collection("exam_attempts");
      await raw.insertOne({ _id: "att_1" as never, sessionId: "ses_1", candidateId: "cand_1" });
      const second = await raw
        .insertOne({ _id: "att_2" as never, sessionId: "ses_1", candidateId: "cand_1" })
        .then(
          () => null,
          (err: unknown) => err as { code?: unknown },
        );
      expect(second?.code).to.equal(11000);
      expect(await raw.countDocuments({ sessionId: "ses_1", candidateId: "cand_1" })).to.equal(1);
    } finally {
      await node.stop();
    }
  });

  it("when another attempt for the candidate is written while a check-in's insert is on its way, then the check-in answers that attempt and no second one exists", async () => {
    const db = await testDatabase();
    const dbName = uniqueDbName("attrace");
    const proxy = await startHoldingProxy(db.uri);
    const node = await startExamNode({ mongoUri: proxy.uri, dbName });
    // The other writer reaches the database directly, as another instance would.
    const direct = await connectMongo(db.uri, { dbName });
    opened.push(direct);
    const proctor = await connect(node.url, proctorUser());
    try {
      const { session, assignments } = await createFixtureSession(node.ctx.conn, { candidates: 1 });
      const seat = assignments[0];
      if (!seat) throw new Error("fixture: one seat");
      const held = proxy.hold((c) => c.insert === "exam_attempts" && c.autocommit === false);
      const checkIn = call(proctor, "proctor:check_in", {
        sessionId: session.id,
        candidateId: seat.candidateId,
        idNumber: seat.idNumber,
      });
      const insert = await held.reached;
      // The check-in has read "no attempt yet" in its transaction; the other attempt lands now.
      const [doc] = insert.documents as Record<string, unknown>[];
      await direct.collection("exam_attempts").insertOne({ ...doc, _id: "att_other" as never });
      held.release();
      const ack = await checkIn;
      const attempts = await direct
        .collection("exam_attempts")
        .find({ sessionId: session.id, candidateId: seat.candidateId })
        .toArray();
      expect(attempts.map((a) => a._id)).to.deep.equal(["att_other"]);
      expect(ack.ok ? ack.data.seat.attemptId : ack.error.code).to.equal("att_other");
    } finally {
      proctor.close();
      await node.ctx.conn.dropDatabase().catch(() => undefined);
      await node.stop();
      await proxy.stop();
    }
  });
});
