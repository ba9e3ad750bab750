import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { createAuditService } from "../../../server/audit/index.js";
import { createProvinceExchangeService } from "../../../server/exchange/index.js";
import { AppError } from "../../../server/lib/errors.js";
import { aCertifiedPractitioner, anOfficer, aNotice, useExchangeNetwork } from "./support.js";

const pdf = () => Buffer.concat([Buffer.from("%PDF-1.7\n", "latin1"), randomBytes(2000)]);
const HOUR = 3_600_000;

/**
 * Uploaded notice documents that no notice names expire (EXCHANGE_UPLOAD_TTL_HOURS, 24 by
 * default): a sweep at 北京 removes them, never one a notice names, queued or sent, and a notice
 * racing the sweep for its upload either names a kept document or is refused whole.
 */
describe("cross-province exchange: expiry of unreferenced notice documents", () => {
  const net = useExchangeNetwork();
  const bjCounty = anOfficer("110105", "朝阳区业务员");
  const held = (sha256: string) =>
    net.beijing.conn.collection("exchange_local_documents").countDocuments({ sha256 });
  const later = (hours: number) => new Date(Date.now() + hours * HOUR);

  async function anUpload(name = "决定书.pdf") {
    return net.beijing.exchange.uploadDocument(bjCounty, { name, dataBase64: pdf().toString("base64") });
  }

  it("when an upload no notice names is older than the limit, then the sweep removes it with an audit entry, and keeps a younger one", async () => {
    const old = await anUpload();
    await net.beijing.conn
      .collection("exchange_local_documents")
      .updateOne({ sha256: old.sha256 }, { $set: { at: new Date(Date.now() - 25 * HOUR) } });
    const young = await anUpload();

    expect(await net.beijing.exchange.sweepUploads()).to.equal(1);
    expect(await held(old.sha256)).to.equal(0);
    expect(await held(young.sha256)).to.equal(1);
    const audited = await net.beijing.conn
      .collection("audit_log")
      .find({ action: "exchange.document.expired", "target.id": old.sha256 })
      .toArray();
    expect(audited).to.have.length(1);
    expect(audited[0]?.divisionCode).to.equal("110105");
  });

  it("when a notice names an upload, then no sweep removes it, neither while it is queued for the hub nor after it was sent", async () => {
    const doc = await anUpload();
    const p = await aCertifiedPractitioner(net.jiangsu, { issuingDivision: "320100" });
    const notice = await net.beijing.exchange.notify(bjCounty, {
      practitioner: p,
      details: { ...aNotice(), documents: [doc] },
    });
    // The notice went at once; its document waits in the outbox for the sender.
    await net.beijing.exchange.sweepUploads(later(48));
    expect(await held(doc.sha256)).to.equal(1);
    expect(await net.beijing.send()).to.equal(1);
    expect(
      await net.hub.node.ctx.conn.collection("exchange_documents").countDocuments({ caseId: notice.caseId }),
    ).to.equal(1);
    await net.beijing.exchange.sweepUploads(later(24 * 365));
    expect(await held(doc.sha256)).to.equal(1);
    expect((await net.beijing.exchange.document(bjCounty, notice.caseId, doc.sha256)).entry).to.deep.equal(
      doc,
    );
  });

  it("when an officer uploads the same file again, then its time to expire starts again", async () => {
    const bytes = pdf().toString("base64");
    const doc = await net.beijing.exchange.uploadDocument(bjCounty, { name: "a.pdf", dataBase64: bytes });
    await net.beijing.conn
      .collection("exchange_local_documents")
      .updateOne({ sha256: doc.sha256 }, { $set: { at: new Date(Date.now() - 25 * HOUR) } });
    await net.beijing.exchange.uploadDocument(bjCounty, { name: "a.pdf", dataBase64: bytes });
    await net.beijing.exchange.sweepUploads();
    expect(await held(doc.sha256)).to.equal(1);
  });

  it("when the hub refuses a notice, then its uploads are plain uploads again and expire", async () => {
    const doc = await anUpload();
    const p = await aCertifiedPractitioner(net.jiangsu, { issuingDivision: "320100" });
    const err = await net.beijing.exchange
      .notify(bjCounty, {
        practitioner: { ...p, name: "李冒名" },
        details: { ...aNotice(), documents: [doc] },
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).to.be.instanceOf(AppError);
    await net.beijing.exchange.sweepUploads(later(1));
    expect(await held(doc.sha256)).to.equal(1);
    await net.beijing.exchange.sweepUploads(later(25));
    expect(await held(doc.sha256)).to.equal(0);
  });

  it("when a second instance of 北京's node sweeps while notices naming expired uploads are being recorded, then every notice either names a kept document or was refused whole", async () => {
    // Another instance of the same node: its own audit queue, so its transactions really overlap.
    const other = createProvinceExchangeService(net.beijing.conn, {
      provinceCode: "110000",
      audit: createAuditService(net.beijing.conn),
      transport: net.beijing.transport,
    });
    const p = await aCertifiedPractitioner(net.jiangsu, { issuingDivision: "320100" });
    for (let round = 0; round < 8; round++) {
      const doc = await anUpload(`第${round}号.pdf`);
      const [sent] = await Promise.allSettled([
        net.beijing.exchange.notify(bjCounty, {
          practitioner: p,
          details: { ...aNotice(), documents: [doc] },
        }),
        other.sweepUploads(later(25)),
      ]);
      const cases = await net.beijing.conn
        .collection("exchange_local_cases")
        .countDocuments({ "details.documents.sha256": doc.sha256 });
      if (sent.status === "fulfilled") {
        expect(await held(doc.sha256), `round ${round}: a recorded notice's document`).to.equal(1);
        expect(cases).to.equal(1);
      } else {
        expect((sent.reason as AppError).code, `round ${round}`).to.equal("document_not_uploaded");
        expect(cases, `round ${round}: nothing of a refused notice`).to.equal(0);
      }
    }
  });
});
