import { expect } from "chai";
import type { Connection } from "mongoose";
import {
  CollectionReceipt,
  type LookupAnswer,
  type QualificationRecord,
} from "../../../server/contracts/hub.js";
import {
  createCollectionService,
  createIntakeLedger,
  createReportService,
} from "../../../server/hub/index.js";
import { MAX_RECORDS_PER_PRACTITIONER } from "../../../server/hub/record-validation.js";
import { monthOf } from "../../../server/hub/report/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aNewIdNumber, aPassRecord, aRegisteredProvince, startTestHub, type TestHub } from "./support.js";

/**
 * Confirmed audit findings on the collection interface: a version the receipt cannot carry, the
 * records one practitioner may accumulate (and what each new one re-reads), the pointer's name,
 * and a re-signed re-send counted again.
 */
describe("hub collection: audit findings", () => {
  const provinceDb = useTestDatabase("prov_coll_audit");
  let hub: TestHub;
  let jiangsu: Awaited<ReturnType<typeof aRegisteredProvince>>;
  let beijing: Awaited<ReturnType<typeof aRegisteredProvince>>;

  before(async () => {
    hub = await startTestHub({}, { monitorCommands: true });
    jiangsu = await aRegisteredProvince(hub, "320000", provinceDb.conn);
    beijing = await aRegisteredProvince(hub, "110000", provinceDb.conn);
  });
  after(async () => {
    await hub?.node.stop();
  });

  const db = (): Connection => hub.node.ctx.conn;
  // Our own publisher signs every attempt afresh, with a new nonce and a new batch id.
  const publish = (records: unknown[], batchId = `b-${Math.random().toString(36).slice(2)}`) =>
    jiangsu.client.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", { batchId, records });
  const jiangsuThisMonth = async () => {
    const reports = createReportService(db(), {
      registry: hub.registry,
      timeZone: "Asia/Shanghai",
      latencyTargetHours: 24,
    });
    const report = await reports.monthReport(monthOf(new Date(), "Asia/Shanghai"), "320000");
    return report.provinces[0]!;
  };
  /** Everything the hub writes for a batch, counted. */
  const everything = async () => {
    const names = ["hub_records", "hub_practitioners", "hub_changes", "hub_rejections", "hub_intake"];
    return Object.fromEntries(
      await Promise.all(names.map(async (n) => [n, await db().collection(n).countDocuments()])),
    );
  };

  it("when a record's version is beyond a safe integer, then the batch is answered 200 with that version as null, and a re-send counts its rejection once", async () => {
    const before = await jiangsuThisMonth();
    const good = aPassRecord();
    const huge = { recordId: "x-huge-version", version: 1e300 };
    const answer = await publish([good, huge]);
    expect(answer.status, answer.rawBody).to.equal(200);
    expect(CollectionReceipt.safeParse(answer.body).success).to.equal(true);
    expect(answer.body.results[0]).to.include({ outcome: "accepted" });
    expect(answer.body.results[1]).to.include({
      outcome: "rejected",
      recordId: "x-huge-version",
      version: null,
    });

    const again = await publish([good, huge]);
    expect(again.status, again.rawBody).to.equal(200);
    expect(again.body.results.map((r) => r.outcome)).to.deep.equal(["duplicate", "rejected"]);
    const after = await jiangsuThisMonth();
    expect(after.rejected - before.rejected).to.equal(1);
    expect(after.accepted - before.accepted).to.equal(1);
  });

  it("when the same rejected records are re-sent in a new batch, then the month's report counts each rejection once", async () => {
    const before = await jiangsuThisMonth();
    const bad = aPassRecord();
    const id = bad.practitioner.idNumber;
    bad.practitioner.idNumber = id.slice(0, 17) + (id.endsWith("1") ? "2" : "1");
    const malformed = { recordId: "x-malformed", version: 3, categories: ["99999"] };
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = await publish([bad, malformed]);
      expect(answer.body.results.map((r) => r.outcome)).to.deep.equal(["rejected", "rejected"]);
    }
    const after = await jiangsuThisMonth();
    expect(after.rejected - before.rejected).to.equal(2);
    const reason = (p: typeof after, code: string) =>
      p.rejectedByReason.find((r) => r.code === code)?.count ?? 0;
    expect(reason(after, "id_check_digit") - reason(before, "id_check_digit")).to.equal(1);
    // A corrected record (same id and version, other content) is a new judgement and counted.
    const corrected = { ...malformed, categories: ["88888"] };
    await publish([corrected]);
    expect((await jiangsuThisMonth()).rejected - before.rejected).to.equal(3);
  });

  it("when a practitioner already holds the most records a province may publish, then a new record is rejected with its own code and nothing is written, while updates still apply", async () => {
    const collection = createCollectionService(db(), {
      logger: hub.node.ctx.logger,
      ledger: createIntakeLedger(db()),
      maxRecordsPerPractitioner: 3,
    });
    const idNumber = aNewIdNumber();
    const passes = [0, 1, 2].map(() => aPassRecord({ idNumber }));
    const first = await collection.ingest({ batchId: "cap-fill", records: passes }, "320000");
    expect(first.results.map((r) => r.outcome)).to.deep.equal(["accepted", "accepted", "accepted"]);

    const pointerBefore = await db().collection("hub_practitioners").findOne({ idNumber });
    const counts = await everything();
    const extra = aPassRecord({ idNumber });
    const refused = await collection.ingest({ batchId: "cap-over", records: [extra] }, "320000");
    expect(CollectionReceipt.safeParse(refused).success).to.equal(true);
    expect(refused.results[0]).to.include({ outcome: "rejected", hubSeq: null });
    expect(refused.results[0]?.reasons.map((r) => r.code)).to.deep.equal(["too_many_records"]);
    expect(refused.results[0]?.reasons[0]?.message).to.match(/[\u4e00-\u9fff]/);
    const after = await everything();
    // Only the rejection's own traces: its operator row and its ledger row.
    expect(after).to.deep.equal({
      ...counts,
      hub_rejections: counts.hub_rejections + 1,
      hub_intake: counts.hub_intake + 1,
    });
    expect(await db().collection("hub_records").countDocuments({ recordId: extra.recordId })).to.equal(0);
    expect(await db().collection("hub_practitioners").findOne({ idNumber })).to.deep.equal(pointerBefore);

    const update = { ...passes[0]!, version: 2, operation: "update" as const };
    const updated = await collection.ingest({ batchId: "cap-update", records: [update] }, "320000");
    expect(updated.results[0]).to.include({ outcome: "accepted" });
  });

  it("when a province sends one record more than a practitioner may hold, through the signed interface, then its receipt names the reason and the rest of the batch applies", async () => {
    const idNumber = aNewIdNumber();
    const full = Array.from({ length: MAX_RECORDS_PER_PRACTITIONER }, () => aPassRecord({ idNumber }));
    const filled = await publish(full);
    expect(filled.status, filled.rawBody).to.equal(200);
    expect(new Set(filled.body.results.map((r) => r.outcome))).to.deep.equal(new Set(["accepted"]));
    const other = aPassRecord();
    const answer = await publish([aPassRecord({ idNumber }), other]);
    expect(answer.status, answer.rawBody).to.equal(200);
    expect(answer.body.results[0]?.reasons.map((r) => r.code)).to.deep.equal(["too_many_records"]);
    expect(answer.body.results[1]).to.include({ outcome: "accepted", recordId: other.recordId });
    expect(await db().collection("hub_records").countDocuments({ idNumber })).to.equal(
      MAX_RECORDS_PER_PRACTITIONER,
    );
  });

  it("when a new record of a practitioner with many records arrives, then the hub reads of the others only what the pointer is computed from", async () => {
    const idNumber = aNewIdNumber();
    await publish([0, 1, 2, 3].map(() => aPassRecord({ idNumber })));
    const client = db().getClient();
    const read: Record<string, unknown>[] = [];
    const listener = (e: {
      commandName: string;
      reply: { cursor?: { firstBatch?: Record<string, unknown>[] } };
    }) => {
      if (e.commandName === "find") read.push(...(e.reply.cursor?.firstBatch ?? []));
    };
    client.on("commandSucceeded", listener);
    try {
      const answer = await publish([aPassRecord({ idNumber })]);
      expect(answer.body.results[0]).to.include({ outcome: "accepted" });
    } finally {
      client.off("commandSucceeded", listener);
    }
    const held = read.filter((d) => d.idNumber === idNumber && d.recordId !== undefined);
    expect(held).to.have.length(4);
    for (const doc of held) {
      const record = doc.record as Record<string, unknown>;
      expect(record).to.include.keys("updateTime", "categories", "state");
      // The exam's details (and a certificate's authority and dates) are no part of the pointer.
      expect(record).to.not.have.any.keys("exam", "transferredFrom");
      expect(record.practitioner).to.deep.equal({ name: "张三" });
    }
  });

  it("when an older exam pass arrives after a newer record, then the pointer keeps the newer record's name and a name lookup still finds the person", async () => {
    const idNumber = aNewIdNumber();
    const newer = aPassRecord({ idNumber, name: "王五" });
    expect((await publish([newer])).body.results[0]).to.include({ outcome: "accepted" });
    const older: QualificationRecord = {
      ...aPassRecord({ idNumber, name: "王伍" }),
      updateTime: "20260301100000",
      exam: {
        categoryCode: "02001",
        passedOn: "2026-03-01",
        score: 90,
        passMark: 80,
        chainHash: "c".repeat(64),
      },
    };
    expect((await publish([older])).body.results[0]).to.include({ outcome: "accepted" });
    expect(await db().collection("hub_practitioners").findOne({ idNumber })).to.include({ name: "王五" });

    const answer = await beijing.client.call<LookupAnswer>("POST", "/api/hub/v1/catalog/lookups", {
      query: { by: "name_id_number", name: "王五", idNumber },
      officerId: "bj-7",
      reason: "enforcement",
      caseReference: "京交执 2026-9",
    });
    expect(answer.status).to.equal(200);
    expect(answer.body.matches.map((m) => m.idNumber)).to.deep.equal([idNumber]);
  });
});
