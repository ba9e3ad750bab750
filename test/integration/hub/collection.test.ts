import { expect } from "chai";
import { CollectionReceipt, MAX_REJECT_REASONS } from "../../../server/contracts/hub.js";
import { useTestDatabase } from "../../helpers/database.js";
import {
  aCertificateRecord,
  aNewIdNumber,
  aPassRecord,
  aRegisteredProvince,
  startTestHub,
  type TestHub,
} from "./support.js";

describe("hub collection interface", () => {
  const provinceDb = useTestDatabase("prov_coll");
  let hub: TestHub;
  let jiangsu: Awaited<ReturnType<typeof aRegisteredProvince>>;
  let beijing: Awaited<ReturnType<typeof aRegisteredProvince>>;

  before(async () => {
    hub = await startTestHub();
    jiangsu = await aRegisteredProvince(hub, "320000", provinceDb.conn);
    beijing = await aRegisteredProvince(hub, "110000", provinceDb.conn);
  });
  after(async () => {
    await hub.node.stop();
  });

  const publish = (who: typeof jiangsu, records: unknown[], batchId = `b-${Math.random()}`) =>
    who.client.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", { batchId, records });
  const pointer = (idNumber: string) =>
    hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber });
  const recordsOf = (idNumber: string) =>
    hub.node.ctx.conn.collection("hub_records").countDocuments({ idNumber });

  it("when a batch mixes a good record and one with a wrong check digit, then each gets its own result and only the good one is applied", async () => {
    const good = aPassRecord();
    const badId =
      good.practitioner.idNumber.slice(0, 17) + (good.practitioner.idNumber.endsWith("1") ? "2" : "1");
    const bad = aPassRecord({ idNumber: badId });
    const answer = await publish(jiangsu, [good, bad]);
    expect(answer.status).to.equal(200);
    const [first, second] = answer.body.results;
    expect(first).to.include({ outcome: "accepted", recordId: good.recordId });
    expect(second).to.include({ outcome: "rejected", recordId: bad.recordId });
    expect(second?.reasons.map((r) => r.code)).to.include("id_check_digit");
    expect(await recordsOf(badId)).to.equal(0);
    expect(await pointer(good.practitioner.idNumber)).to.include({ homeProvince: "320000" });
    const rejected = await hub.node.ctx.conn.collection("hub_rejections").findOne({ recordId: bad.recordId });
    expect(rejected?.reasons).to.be.an("array").that.is.not.empty;
  });

  it("when a record is malformed in several ways, then every problem is named and the rest of the batch still applies", async () => {
    const good = aPassRecord();
    const answer = await publish(jiangsu, [
      { recordId: "broken-1", version: 1, sourceProvince: "320000", categories: ["99999"] },
      { ...aPassRecord(), issuingDivision: "329999" },
      {
        ...aPassRecord(),
        exam: {
          categoryCode: "02001",
          passedOn: "2026-11-02",
          score: 50,
          passMark: 80,
          chainHash: "b".repeat(64),
        },
      },
      good,
    ]);
    const [malformed, unknownDivision, failedScore, ok] = answer.body.results;
    expect(malformed?.outcome).to.equal("rejected");
    expect(malformed?.reasons.length).to.be.greaterThan(2);
    expect(unknownDivision?.reasons.map((r) => r.code)).to.include("unknown_division");
    expect(failedScore?.reasons.map((r) => r.field)).to.include("exam.score");
    expect(ok?.outcome).to.equal("accepted");
  });

  it("when a certificate's issuing authority holds a direction override, then that record is rejected naming the field and kept out", async () => {
    const base = aCertificateRecord({ idNumber: aNewIdNumber() });
    const record = {
      ...base,
      certificate: { ...base.certificate!, issuingAuthority: "江苏省\u202e交通运输厅" },
    };
    const answer = await publish(jiangsu, [record]);
    const [result] = answer.body.results;
    expect(result).to.include({ outcome: "rejected", recordId: record.recordId });
    expect(result?.reasons.map((r) => r.field)).to.include("certificate.issuingAuthority");
    expect(await recordsOf(record.practitioner.idNumber)).to.equal(0);
  });

  it("when a record carries a 10,000-character unknown key and dozens of bad fields, then its receipt stays within the published bounds", async () => {
    const huge = "k".repeat(10_000);
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`extra${i}`, 1]));
    const answer = await publish(jiangsu, [
      { ...aPassRecord(), [huge]: 1 },
      { recordId: 7, version: "x", practitioner: [], categories: "no", exam: 1, certificate: 2, ...many },
      aPassRecord(),
    ]);
    expect(answer.status).to.equal(200);
    // The province parses the answer with the same contract the OpenAPI documents publish.
    expect(CollectionReceipt.safeParse(answer.body).success).to.equal(true);
    const [longKey, manyProblems, ok] = answer.body.results;
    expect(longKey?.outcome).to.equal("rejected");
    expect(longKey?.reasons.every((r) => r.message.length <= 500 && (r.field ?? "").length <= 200)).to.equal(
      true,
    );
    expect(manyProblems?.reasons.length).to.be.within(1, MAX_REJECT_REASONS);
    expect(ok?.outcome).to.equal("accepted");
  });

  it("when the same record is sent again unchanged, then it is a no-op; an older version is ignored; a newer one applies", async () => {
    const idNumber = aNewIdNumber();
    const v2 = aCertificateRecord({ idNumber, version: 2 });
    expect((await publish(jiangsu, [v2])).body.results[0]?.outcome).to.equal("accepted");
    const after = await pointer(idNumber);
    expect((await publish(jiangsu, [v2])).body.results[0]?.outcome).to.equal("duplicate");
    expect(
      (await publish(jiangsu, [aCertificateRecord({ idNumber, version: 1 })])).body.results[0]?.outcome,
    ).to.equal("stale");
    expect(await pointer(idNumber)).to.deep.include({ version: after?.version, certificateStatus: "valid" });
    const revoked = aCertificateRecord({ idNumber, version: 3, status: "revoked" });
    expect((await publish(jiangsu, [revoked])).body.results[0]?.outcome).to.equal("accepted");
    expect(await pointer(idNumber)).to.deep.include({ certificateStatus: "revoked", categories: [] });
  });

  it("when an exam pass names a category beside the one examined, then it is rejected and the practitioner holds nothing from it", async () => {
    const pass = { ...aPassRecord(), categories: ["02001", "03001"] };
    const result = (await publish(jiangsu, [pass])).body.results[0];
    expect(result?.outcome).to.equal("rejected");
    expect(result?.reasons.map((r) => r.field)).to.include("categories");
    expect(await pointer(pass.practitioner.idNumber)).to.equal(null);
  });

  it("when the same version comes with different content, then it is rejected as version_conflict", async () => {
    const idNumber = aNewIdNumber();
    await publish(jiangsu, [aCertificateRecord({ idNumber, version: 1 })]);
    const changed = aCertificateRecord({ idNumber, version: 1, name: "张三丰" });
    const [result] = (await publish(jiangsu, [changed])).body.results;
    expect(result).to.include({ outcome: "rejected" });
    expect(result?.reasons[0]?.code).to.equal("version_conflict");
  });

  it("when 北京 publishes a record for a practitioner 江苏 holds, then it is rejected and 江苏's record stands", async () => {
    const idNumber = aNewIdNumber();
    await publish(jiangsu, [aCertificateRecord({ idNumber })]);
    const [own] = (
      await publish(beijing, [
        aCertificateRecord({ idNumber, province: "110000", status: "revoked", version: 9 }),
      ])
    ).body.results;
    expect(own?.reasons[0]?.code).to.equal("not_home_province");
    const [forged] = (
      await publish(beijing, [aCertificateRecord({ idNumber, status: "revoked", version: 9 })])
    ).body.results;
    expect(forged?.reasons.map((r) => r.code)).to.include("provenance_mismatch");
    expect(await pointer(idNumber)).to.include({ homeProvince: "320000", certificateStatus: "valid" });
  });

  it("when a batch brings several new practitioners and one already known, then all are applied with distinct hub sequence numbers", async () => {
    const known = aNewIdNumber();
    await publish(jiangsu, [aCertificateRecord({ idNumber: known })]);
    const fresh = [aNewIdNumber(), aNewIdNumber(), aNewIdNumber()];
    const answer = await publish(jiangsu, [
      ...fresh.map((idNumber) => aCertificateRecord({ idNumber })),
      aCertificateRecord({ idNumber: known, version: 2, status: "revoked" }),
    ]);
    expect(answer.body.results.map((r) => r.outcome)).to.deep.equal([
      "accepted",
      "accepted",
      "accepted",
      "accepted",
    ]);
    const seqs = answer.body.results.map((r) => r.hubSeq);
    expect(new Set(seqs).size).to.equal(4);
    for (const idNumber of fresh)
      expect(await pointer(idNumber)).to.include({
        homeProvince: "320000",
        certificateStatus: "valid",
        version: 1,
      });
    expect(await pointer(known)).to.include({ certificateStatus: "revoked", version: 2 });
  });

  it("when records are accepted as new and as updates, then every document the hub wrote for them passes its schema", async () => {
    // The hub writes these through the driver (no mongoose validation at run time): this is where
    // the written shape and the schema are held together.
    const known = aNewIdNumber();
    const fresh = aNewIdNumber();
    await publish(jiangsu, [aCertificateRecord({ idNumber: known })]);
    const answer = await publish(jiangsu, [
      aPassRecord({ idNumber: fresh }),
      aCertificateRecord({ idNumber: known, version: 2, status: "revoked" }),
    ]);
    expect(answer.body.results.map((r) => r.outcome)).to.deep.equal(["accepted", "accepted"]);
    const conn = hub.node.ctx.conn;
    const written: [string, string, Record<string, unknown>][] = [
      ["HubRecord", "hub_records", { idNumber: { $in: [known, fresh] } }],
      ["HubPointer", "hub_practitioners", { idNumber: { $in: [known, fresh] } }],
      ["HubChange", "hub_changes", { idNumber: { $in: [known, fresh] } }],
      ["HubIntake", "hub_intake", { recordId: { $in: answer.body.results.map((r) => r.recordId) } }],
    ];
    for (const [model, collection, filter] of written) {
      const docs = await conn.collection(collection).find(filter).toArray();
      expect(docs.length, collection).to.be.at.least(2);
      for (const doc of docs) {
        const Model = conn.model(model);
        const invalid = await new Model(doc).validate().then(
          () => null,
          (err: unknown) => String(err),
        );
        expect(invalid, `${collection} ${JSON.stringify(doc)}`).to.equal(null);
        const strict = Object.keys(doc).filter((k) => k !== "_id" && !Model.schema.path(k));
        expect(strict, `${collection}: fields the schema does not know`).to.deep.equal([]);
        for (const [k, v] of Object.entries(doc)) {
          const type = (Model.schema.path(k) as { instance?: string } | undefined)?.instance;
          if (type === "Date" && v !== null) expect(v, `${collection}.${k}`).to.be.instanceOf(Date);
          if (type === "Number" && v !== null) expect(v, `${collection}.${k}`).to.be.a("number");
          if (type === "String" && v !== null) expect(v, `${collection}.${k}`).to.be.a("string");
        }
      }
    }
  });

  it("when a batch holds more records than allowed, then the whole batch is refused with 413 and nothing is read", async () => {
    const records = Array.from({ length: 501 }, () => aPassRecord());
    const answer = await publish(jiangsu, records);
    expect(answer.status).to.equal(413);
    expect(answer.body).to.nested.include({ "error.code": "batch_too_large" });
    expect(await recordsOf(records[0]!.practitioner.idNumber)).to.equal(0);
  });
});
