import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { MAX_DOCUMENT_BYTES, type PenaltyDocument } from "../../../server/contracts/exchange-documents.js";
import { AppError } from "../../../server/lib/errors.js";
import { aCertifiedPractitioner, anOfficer, aNotice, useExchangeNetwork } from "./support.js";
import { unpaddedBase64 } from "../../helpers/base64.js";

const pdf = () => Buffer.concat([Buffer.from("%PDF-1.7\n", "latin1"), randomBytes(3000)]);
const png = () =>
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2000)]);

/** The refusal `work` throws (an AppError), or a failure when it succeeds. */
async function refusal(work: Promise<unknown>): Promise<AppError> {
  try {
    await work;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected a refusal");
}

/**
 * The documents of an enforcement notice (抄告文书) across hub, 北京 (reporting) and 江苏 (home):
 * uploaded at 北京 and checked by content, named by digest in the signed notice, carried to the
 * hub after it, fetched by 江苏 once and checked against the notice, read only through a case the
 * officer may see.
 */
describe("cross-province exchange: enforcement notice documents", () => {
  const net = useExchangeNetwork();
  const bjCounty = anOfficer("110105", "朝阳区业务员");
  const jsNanjing = anOfficer("320100", "南京市业务员");

  const localDocs = (conn: typeof net.jiangsu.conn) => conn.collection("exchange_local_documents");
  const hubDocs = () => net.hub.node.ctx.conn.collection("exchange_documents");

  async function aNoticeWith(documents: PenaltyDocument[]) {
    const p = await aCertifiedPractitioner(net.jiangsu, { issuingDivision: "320100" });
    const notice = await net.beijing.exchange.notify(bjCounty, {
      practitioner: p,
      details: { ...aNotice(), documents },
    });
    return { p, notice };
  }

  it("when 北京's officer uploads a PDF and a PNG and reports a penalty naming them, then 江苏's officer reads both byte for byte through the hub, and 北京 reads its own", async () => {
    const [a, b] = [pdf(), png()];
    const decision = await net.beijing.exchange.uploadDocument(bjCounty, {
      name: "处罚决定书.pdf",
      dataBase64: a.toString("base64"),
    });
    const photo = await net.beijing.exchange.uploadDocument(bjCounty, {
      name: "现场照片.png",
      dataBase64: b.toString("base64"),
    });
    expect(decision).to.include({ mediaType: "application/pdf", bytes: a.length });
    const audited = await net.beijing.conn
      .collection("audit_log")
      .find({ action: "exchange.document.uploaded", "target.id": decision.sha256 })
      .toArray();
    expect(audited.map((e) => e.details as object)).to.deep.equal([
      { name: "处罚决定书.pdf", mediaType: "application/pdf", bytes: a.length },
    ]);
    expect(photo).to.include({ mediaType: "image/png", bytes: b.length });

    const { notice } = await aNoticeWith([decision, photo]);
    expect(notice.state).to.equal("sent");
    expect(await net.beijing.send()).to.equal(2);
    expect(await hubDocs().countDocuments({ caseId: notice.caseId })).to.equal(2);

    await net.jiangsu.pull();
    const received = await net.jiangsu.exchange.get(jsNanjing, notice.caseId);
    expect((received.details as { documents: PenaltyDocument[] }).documents).to.deep.equal([decision, photo]);
    const read = await net.jiangsu.exchange.document(jsNanjing, notice.caseId, decision.sha256);
    expect(read.data.equals(a)).to.equal(true);
    expect(read.entry).to.deep.equal(decision);
    expect(
      (await net.jiangsu.exchange.document(jsNanjing, notice.caseId, photo.sha256)).data.equals(b),
    ).to.equal(true);
    // Fetched once, then kept at 江苏.
    expect(
      await localDocs(net.jiangsu.conn).countDocuments({ sha256: { $in: [decision.sha256, photo.sha256] } }),
    ).to.equal(2);
    expect(
      (await net.beijing.exchange.document(bjCounty, notice.caseId, decision.sha256)).data.equals(a),
    ).to.equal(true);
  });

  it("when an officer outside the case's divisions asks for a document, then it is not found at either end", async () => {
    const doc = await net.beijing.exchange.uploadDocument(bjCounty, {
      name: "决定书.pdf",
      dataBase64: pdf().toString("base64"),
    });
    const { notice } = await aNoticeWith([doc]);
    await net.beijing.send();
    await net.jiangsu.pull();
    const suzhou = anOfficer("320500", "苏州市业务员");
    expect((await refusal(net.jiangsu.exchange.document(suzhou, notice.caseId, doc.sha256))).code).to.equal(
      "case_not_found",
    );
    const haidian = anOfficer("110108", "海淀区业务员");
    expect((await refusal(net.beijing.exchange.document(haidian, notice.caseId, doc.sha256))).code).to.equal(
      "case_not_found",
    );
    // A digest the notice does not name is not served, even when the node holds it.
    const other = await net.beijing.exchange.uploadDocument(bjCounty, {
      name: "其他.pdf",
      dataBase64: pdf().toString("base64"),
    });
    expect(
      (await refusal(net.beijing.exchange.document(bjCounty, notice.caseId, other.sha256))).code,
    ).to.equal("document_not_in_case");
  });

  it("when an officer uploads a file that is not PDF, JPEG or PNG by its bytes (an executable named .pdf), or one too large, then it is refused with its code and nothing is kept", async () => {
    const before = await localDocs(net.beijing.conn).countDocuments();
    const uploadsAudited = () =>
      net.beijing.conn.collection("audit_log").countDocuments({ action: "exchange.document.uploaded" });
    const auditedBefore = await uploadsAudited();
    const exe = Buffer.concat([Buffer.from("MZ", "latin1"), randomBytes(500)]);
    const wrongType = await refusal(
      net.beijing.exchange.uploadDocument(bjCounty, {
        name: "处罚决定书.pdf",
        dataBase64: exe.toString("base64"),
      }),
    );
    expect(wrongType).to.include({ code: "document_type_unsupported", status: 415 });
    expect(wrongType.message).to.match(/PDF、JPEG 或 PNG/);
    const big = Buffer.concat([Buffer.from("%PDF-1.7\n", "latin1"), Buffer.alloc(MAX_DOCUMENT_BYTES)]);
    const tooLarge = await refusal(
      net.beijing.exchange.uploadDocument(bjCounty, { name: "大.pdf", dataBase64: big.toString("base64") }),
    );
    expect(tooLarge).to.include({ code: "document_too_large", status: 413 });
    expect(await localDocs(net.beijing.conn).countDocuments()).to.equal(before);
    expect(await uploadsAudited()).to.equal(auditedBefore);
  });

  it("when an uploaded document's base64 is not canonical (padding missing), then it is refused with invalid_base64 and nothing is kept", async () => {
    const before = await localDocs(net.beijing.conn).countDocuments();
    const damaged = await refusal(
      net.beijing.exchange.uploadDocument(bjCounty, { name: "决定书.pdf", dataBase64: unpaddedBase64(pdf()) }),
    );
    expect(damaged).to.include({ code: "invalid_base64", status: 400 });
    expect(await localDocs(net.beijing.conn).countDocuments()).to.equal(before);
  });

  it("when a notice names a document that was not uploaded, then it is refused and nothing is written on either side", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { issuingDivision: "320100" });
    const ghost = {
      name: "决定书.pdf",
      mediaType: "application/pdf" as const,
      sha256: "c".repeat(64),
      bytes: 1000,
    };
    const cases = await net.beijing.conn.collection("exchange_local_cases").countDocuments();
    const queued = await net.beijing.conn.collection("exchange_outgoing").countDocuments();
    const err = await refusal(
      net.beijing.exchange.notify(bjCounty, {
        practitioner: p,
        details: { ...aNotice(), documents: [ghost] },
      }),
    );
    expect(err.code).to.equal("document_not_uploaded");
    expect(await net.beijing.conn.collection("exchange_local_cases").countDocuments()).to.equal(cases);
    expect(await net.beijing.conn.collection("exchange_outgoing").countDocuments()).to.equal(queued);
    expect(
      await net.hub.node.ctx.conn.collection("exchange_cases").countDocuments({ idNumber: p.idNumber }),
    ).to.equal(0);
  });

  it("when the hub refuses the notice itself, then its queued documents go with it and nothing stays at 北京", async () => {
    const doc = await net.beijing.exchange.uploadDocument(bjCounty, {
      name: "决定书.pdf",
      dataBase64: pdf().toString("base64"),
    });
    const p = await aCertifiedPractitioner(net.jiangsu, { issuingDivision: "320100" });
    // Another name than the hub holds for the ID number, and no lookup cited: refused outright
    // (lookup_required, the one answer to a notice the hub cannot deliver without a lookup on record).
    const err = await refusal(
      net.beijing.exchange.notify(bjCounty, {
        practitioner: { ...p, name: "李冒名" },
        details: { ...aNotice(), documents: [doc] },
      }),
    );
    expect(err.code).to.equal("lookup_required");
    expect(
      await net.beijing.conn.collection("exchange_local_cases").countDocuments({ idNumber: p.idNumber }),
    ).to.equal(0);
    expect(
      await net.beijing.conn
        .collection("exchange_outgoing")
        .countDocuments({ key: { $regex: `^document:.*:${doc.sha256}$` } }),
    ).to.equal(0);
  });

  it("when 江苏 asks for a document before 北京's node sent it to the hub, then it is told to wait, and reads it once it arrived", async () => {
    const doc = await net.beijing.exchange.uploadDocument(bjCounty, {
      name: "决定书.pdf",
      dataBase64: pdf().toString("base64"),
    });
    const { notice } = await aNoticeWith([doc]);
    await net.jiangsu.pull();
    expect(
      (await refusal(net.jiangsu.exchange.document(jsNanjing, notice.caseId, doc.sha256))).code,
    ).to.equal("document_pending");
    await net.beijing.send();
    expect((await net.jiangsu.exchange.document(jsNanjing, notice.caseId, doc.sha256)).entry).to.deep.equal(
      doc,
    );
  });

  it("when a province sends the hub a document whose bytes do not match the notice's digest, or one for another province's notice, then the hub refuses it and keeps nothing", async () => {
    const doc = await net.beijing.exchange.uploadDocument(bjCounty, {
      name: "决定书.pdf",
      dataBase64: pdf().toString("base64"),
    });
    const { notice } = await aNoticeWith([doc]);
    const path = `/api/hub/v1/exchange/cases/${notice.caseId}/documents`;
    const forged = {
      sha256: doc.sha256,
      mediaType: doc.mediaType,
      name: doc.name,
      dataBase64: pdf().toString("base64"),
    };
    const mismatch = await net.beijing.client.call("POST", path, forged);
    expect(mismatch.status).to.equal(422);
    expect(mismatch.error?.code).to.equal("document_digest_mismatch");
    const stranger = await net.jiangsu.client.call("POST", path, forged);
    expect(stranger.status).to.equal(403);
    expect(stranger.error?.code).to.equal("not_case_sender");
    expect(await hubDocs().countDocuments({ caseId: notice.caseId })).to.equal(0);
  });

  it("when 北京's officer names the same document twice in a notice, then it is refused duplicate_document naming it and nothing is written", async () => {
    const doc = await net.beijing.exchange.uploadDocument(bjCounty, {
      name: "处罚决定书.pdf",
      dataBase64: pdf().toString("base64"),
    });
    const p = await aCertifiedPractitioner(net.jiangsu, { issuingDivision: "320100" });
    const err = await refusal(
      net.beijing.exchange.notify(bjCounty, {
        practitioner: p,
        details: { ...aNotice(), documents: [doc, { ...doc, name: "决定书副本.pdf" }] },
      }),
    );
    expect(err).to.deep.include({ code: "duplicate_document", status: 422 });
    expect(err.message).to.include("决定书副本.pdf");
    expect(err.details).to.be.an("array").with.lengthOf(1);
    expect((err.details as object[])[0]).to.include({ path: "details.documents.1", code: "duplicate_document" });
    expect(
      await net.beijing.conn.collection("exchange_local_cases").countDocuments({ idNumber: p.idNumber }),
    ).to.equal(0);
    expect(
      await net.beijing.conn
        .collection("exchange_outgoing")
        .countDocuments({ "body.practitioner.idNumber": p.idNumber }),
    ).to.equal(0);
  });
});
