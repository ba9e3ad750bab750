import { expect } from "chai";
import mongoose, { type Connection } from "mongoose";
import { questionBankFeature } from "../../../server/question-bank/index.js";
import { CONTENT_HASH_PREFIX, questionContentHash } from "../../../server/question-bank/content-hash.js";
import { questionVersionModel } from "../../../server/question-bank/question.model.js";
import { connectMongo } from "../../../server/lib/mongo.js";
import { accessTrustingActors } from "../../helpers/access.js";
import { commandsDuring } from "../../helpers/commands.js";
import { useTestDatabase } from "../../helpers/database.js";
import { startWireProxy } from "../../helpers/wire-proxy.js";
import { author, bankContext, questionInput } from "./bank-context.js";

/** The node's start as the question bank feature runs it, on `conn`. */
async function start(conn: Connection): Promise<void> {
  await questionBankFeature(bankContext(conn), { access: accessTrustingActors() }).start?.();
}

/**
 * `count` live versions as a node before content hashes stored them: written straight to the
 * collection, with no contentHash.
 */
async function legacyVersions(conn: Connection, count: number): Promise<void> {
  const at = new Date();
  await questionVersionModel(conn).collection.insertMany(
    Array.from({ length: count }, () => ({
      questionId: new mongoose.Types.ObjectId().toHexString(),
      version: 1,
      status: "published",
      ...questionInput(),
      explanation: "",
      difficulty: 3,
      tags: [],
      source: "",
      authorId: author.id,
      authorName: author.displayName,
      quarantined: false,
      history: [],
      createdAt: at,
      updatedAt: at,
    })),
  );
}

/** How many versions still lack the current generation's hash. */
const stale = (conn: Connection) =>
  questionVersionModel(conn).countDocuments({ contentHash: { $not: new RegExp(`^${CONTENT_HASH_PREFIX}`) } });

/**
 * The content-hash backfill runs at every node start (question-bank.feature.ts) and its query, for
 * hashes missing or of an earlier generation, read the contentHash index each time. Once a backfill
 * has completed, a start asks one marker document and nothing else; a backfill cut off half-way
 * left no marker, so the next start completes it.
 */
describe("question bank: the content-hash backfill runs to completion once", function () {
  this.timeout(120_000);

  describe("on a bank that a completed backfill hashed", () => {
    const db = useTestDatabase("qbbackfillonce", { monitorCommands: true });

    it("when the node starts again, then its start reads one marker document and scans no question", async () => {
      await legacyVersions(db.conn, 3);
      await start(db.conn);
      expect(await stale(db.conn)).to.equal(0);
      const again = await commandsDuring(db.conn, () => start(db.conn));
      expect(again).to.deep.equal(["find node_upkeep"]);
    });

    it("when the marker is of an earlier generation of the hash, then the start backfills again and marks the current one", async () => {
      const markers = db.conn.collection<{ _id: string; generation: string }>("node_upkeep");
      await start(db.conn);
      await markers.updateOne({ _id: "content-hash" }, { $set: { generation: "1:" } });
      await legacyVersions(db.conn, 2);
      await start(db.conn);
      expect(await stale(db.conn)).to.equal(0);
      expect((await markers.findOne({ _id: "content-hash" }))?.generation).to.equal(CONTENT_HASH_PREFIX);
    });
  });

  describe("on a bank whose first backfill was cut off half-way", () => {
    const db = useTestDatabase("qbbackfillcut", { monitorCommands: true });

    it("when the backfill failed after its first batch, then the next start hashes the rest, and the one after scans nothing", async () => {
      // More than one batch (1000 versions a round trip): the second batch's write fails.
      await legacyVersions(db.conn, 1_200);
      const proxy = await startWireProxy(db.uri);
      const cut = await connectMongo(proxy.uri(db.dbName), { dbName: db.dbName });
      try {
        let writes = 0;
        proxy.fail((c) => c.update === "question_versions" && ++writes === 2);
        const first = await start(cut).then(
          () => null,
          (err: unknown) => err,
        );
        expect(first).to.be.an("error");
        expect(proxy.failed()).to.equal(1);
      } finally {
        await cut.close();
        await proxy.stop();
      }
      expect(await stale(db.conn)).to.equal(200);

      await start(db.conn);
      expect(await stale(db.conn)).to.equal(0);
      const again = await commandsDuring(db.conn, () => start(db.conn));
      expect(again.filter((c) => c.includes("question_versions"))).to.deep.equal([]);
    });
  });

  describe("on a bank two instances start on at once", () => {
    const db = useTestDatabase("qbbackfilltwo", { monitorCommands: true });

    it("when both backfill at the same time, then both starts succeed, every version holds its hash, and a later start scans nothing", async () => {
      await legacyVersions(db.conn, 50);
      const other = await connectMongo(db.uri, { dbName: db.dbName });
      try {
        await Promise.all([start(db.conn), start(other)]);
      } finally {
        await other.close();
      }
      const versions = await questionVersionModel(db.conn).find({}).lean();
      expect(versions.filter((v) => v.contentHash !== questionContentHash(v))).to.deep.equal([]);
      const again = await commandsDuring(db.conn, () => start(db.conn));
      expect(again.filter((c) => c.includes("question_versions"))).to.deep.equal([]);
    });
  });
});
