import { expect } from "chai";
import type { CollectionReceipt } from "../../../server/contracts/hub.js";
import { createCollectionService, createIntakeLedger } from "../../../server/hub/index.js";
import { hubModels } from "../../../server/hub/hub.models.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aCertificateRecord, aNewIdNumber, aPassRecord, aRegisteredProvince, startTestHub, type TestHub } from "./support.js";

/**
 * The monthly report's intake ledger counts an accepted record in the record's own transaction:
 * when the ledger row cannot be written, the record change does not happen either.
 */
describe("hub intake ledger: written in the transaction of the record it counts", () => {
  const provinceDb = useTestDatabase("prov_ledger");
  let hub: TestHub;
  let publish: (batchId: string, records: unknown[]) => Promise<CollectionReceipt>;
  let client: Awaited<ReturnType<typeof aRegisteredProvince>>["client"];

  before(async () => {
    hub = await startTestHub();
    ({ client } = await aRegisteredProvince(hub, "320000", provinceDb.conn));
    publish = async (batchId, records) => {
      const answer = await client.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", { batchId, records });
      expect(answer.status, answer.rawBody).to.equal(200);
      return answer.body;
    };
    // A ledger row this batch id cannot be written (unique batch id, already taken): the way to
    // make the ledger's own store refuse while everything else works.
    const intake = hub.node.ctx.conn.collection("hub_intake");
    // Every id starting "blocked-" by range ("." follows "-"): MongoDB refuses $regex in a partial index.
    await intake.createIndex({ batchId: 1 }, { unique: true, partialFilterExpression: { batchId: { $gte: "blocked-", $lt: "blocked." } } });
    await intake.insertMany([{ batchId: "blocked-one", at: new Date(0) }, { batchId: "blocked-two", at: new Date(0) }]);
  });
  after(async () => {
    await hub?.node.stop();
  });

  const db = () => hub.node.ctx.conn;
  const stored = async (idNumber: string) => ({
    records: await db().collection("hub_records").countDocuments({ idNumber }),
    pointer: await db().collection("hub_practitioners").countDocuments({ idNumber }),
    changes: await db().collection("hub_changes").countDocuments({ idNumber }),
  });

  it("when the ledger row of an accepted record cannot be written, then the record, pointer and change log are unchanged, and a re-send is applied and counted once", async () => {
    const record = aPassRecord();
    const receipt = await publish("blocked-one", [record]);
    expect(receipt.results[0]?.outcome).to.not.equal("accepted");
    expect(await stored(record.practitioner.idNumber)).to.deep.equal({ records: 0, pointer: 0, changes: 0 });

    const again = await publish("retry-one", [record]);
    expect(again.results[0]?.outcome).to.equal("accepted");
    expect(await stored(record.practitioner.idNumber)).to.deep.equal({ records: 1, pointer: 1, changes: 1 });
    expect(await db().collection("hub_intake").countDocuments({ recordId: record.recordId, outcome: "accepted" })).to.equal(1);
  });

  it("when a batch of new practitioners cannot be counted, then none of them is applied", async () => {
    const records = [aPassRecord(), aPassRecord(), aPassRecord()];
    const receipt = await publish("blocked-two", records);
    expect(receipt.results.map((r) => r.outcome)).to.not.include("accepted");
    for (const r of records) expect(await stored(r.practitioner.idNumber)).to.deep.equal({ records: 0, pointer: 0, changes: 0 });
  });

  it("when a batch's rounds commit seconds after it arrived (across midnight at month end), then the change log dates each record as the ledger does", async () => {
    // Each reading of this hub instance's clock is 3 s later than the one before: the batch
    // arrives at the first, its round commits at a later one (a batch received at 23:59:59 on
    // the 31st and applied at 00:00:02 counted in two months and made both reports disagree).
    let tick = Date.now();
    const collection = createCollectionService(db(), {
      logger: hub.node.ctx.logger,
      ledger: createIntakeLedger(db()),
      now: () => new Date((tick += 3_000)),
    });
    const records = [aPassRecord(), aPassRecord()];
    const receipt = await collection.ingest({ batchId: "late-round", records }, "320000");
    expect(receipt.results.map((r) => r.outcome)).to.deep.equal(["accepted", "accepted"]);
    for (const r of records) {
      const change = await db().collection("hub_changes").findOne({ recordId: r.recordId });
      const counted = await db().collection("hub_intake").findOne({ recordId: r.recordId, outcome: "accepted" });
      expect(change?.at).to.be.instanceOf(Date);
      expect(change?.at.getTime(), r.recordId).to.equal(counted?.at.getTime());
    }
  });

  it("when a province publishes its register of old certificates beside a new pass, then only the pass counts towards reporting time", async () => {
    const idNumber = aNewIdNumber();
    // What the register import sends: the entry's updateTime is its issue date, years ago.
    // Only a genuine register entry is exempt: its recordId and updateTime are what the import builds.
    const base = aCertificateRecord({ idNumber });
    const issued = { firstIssueDate: "2012-03-01", issueDate: "2012-03-01", validFrom: "2012-03-01" };
    const certificate = { ...base.certificate!, certificateNumber: `JS${idNumber}`, ...issued };
    const entry = { ...base, recordId: `legacy:JS${idNumber}`, updateTime: "20120301000000", certificate };
    const pass = aPassRecord();
    const receipt = await publish("register-and-pass", [entry, pass]);
    expect(receipt.results.map((r) => r.outcome)).to.deep.equal(["accepted", "accepted"]);
    const row = (recordId: string) => db().collection("hub_intake").findOne({ recordId, outcome: "accepted" });
    expect((await row(entry.recordId))?.sourceAt).to.equal(null);
    expect((await row(pass.recordId))?.sourceAt).to.be.instanceOf(Date);
  });

  it("when the hub meets a write race of its own on a record (conflict_retry), then the ledger counts no rejection against the province, and the re-send is counted once", async () => {
    // The hub's next change number already taken: every round fails on the change log's unique
    // seq, as a round losing a race to another hub instance does.
    const counter = await db().collection<{ _id: string; value: number }>("hub_counters").findOne({ _id: "changes" });
    const stray = await db().collection("hub_changes").insertOne({ seq: (counter?.value ?? 0) + 1, idNumber: "stray" });
    const record = aPassRecord();
    try {
      const receipt = await publish("race-one", [record]);
      expect(receipt.results[0]?.outcome).to.equal("rejected");
      expect(receipt.results[0]?.reasons.map((r) => r.code)).to.deep.equal(["conflict_retry"]);
    } finally {
      await db().collection("hub_changes").deleteOne({ _id: stray.insertedId });
    }
    expect(await db().collection("hub_intake").countDocuments({ batchId: "race-one" })).to.equal(0);
    // Nor in the rejection log the operator reads as the province's faults.
    expect(await db().collection("hub_rejections").countDocuments({ batchId: "race-one" })).to.equal(0);

    expect((await publish("race-two", [record])).results[0]?.outcome).to.equal("accepted");
    const rows = await db().collection("hub_intake").find({ recordId: record.recordId }).toArray();
    expect(rows.map((r) => r.outcome)).to.deep.equal(["accepted"]);
  });

  it("when the rejection log cannot be written, then the batch fails with no ledger row of its rejections, and the re-send counts each record once", async () => {
    const { Rejections } = hubModels(db());
    // Fails once, as a store that is briefly unreachable does; the next call is the model's own.
    Rejections.insertMany = (() => {
      Reflect.deleteProperty(Rejections, "insertMany");
      return Promise.reject(new Error("rejection log unavailable"));
    }) as unknown as typeof Rejections.insertMany;
    const pass = aPassRecord();
    const broken = { ...aPassRecord(), version: 0 };
    try {
      const first = await client.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
        batchId: "rejections-down",
        records: [pass, broken],
      });
      expect(first.status, first.rawBody).to.equal(500);
    } finally {
      Reflect.deleteProperty(Rejections, "insertMany");
    }
    const intake = db().collection("hub_intake");
    expect(await intake.countDocuments({ batchId: "rejections-down", outcome: { $ne: "accepted" } })).to.equal(0);

    const again = await publish("rejections-down", [pass, broken]);
    expect(again.results.map((r) => r.outcome)).to.deep.equal(["duplicate", "rejected"]);
    expect(await intake.countDocuments({ recordId: broken.recordId, outcome: "rejected" })).to.equal(1);
    expect(await db().collection("hub_rejections").countDocuments({ batchId: "rejections-down" })).to.equal(1);
  });
});
