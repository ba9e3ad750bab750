import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { createAuditService } from "../../../server/audit/index.js";
import { createExchangeTransport } from "../../../server/exchange/index.js";
import { createLogger } from "../../../server/lib/logger.js";
import { aCertifiedPractitioner, aFiling, anOfficer, aNotice, useExchangeNetwork } from "./support.js";

const pdf = () => Buffer.concat([Buffer.from("%PDF-1.7\n", "latin1"), randomBytes(3000)]);
const png = () =>
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2000)]);

/**
 * The sender takes a case's entries in order (exchange-transport.ts `claim`): a later one waits
 * while an earlier one is not done. An earlier entry the hub refused for good (`refusedByHub`,
 * outgoing-settle.ts) will never be done — sent again it is refused again, and 重新发送 does not
 * offer it — so it must not hold the later ones back: they waited unseen for good, neither sent
 * nor given up. An earlier entry the sender gave up on without the hub's word still holds them
 * back, so that once sent again (province-resend.ts) the case's messages reach the hub in order.
 */
describe("cross-province exchange: a case's later messages behind an earlier one that will not be done", () => {
  const net = useExchangeNetwork();
  const bjCounty = anOfficer("110105", "朝阳区业务员");
  const silent = createLogger({ level: "silent", name: "test" });

  const outgoing = (caseId: string) =>
    net.beijing.conn.collection("exchange_outgoing").find({ caseId }).sort({ seq: 1 }).toArray();
  const hubHolds = async (caseId: string, sha256: string) =>
    (await net.hub.node.ctx.conn.collection("exchange_documents").countDocuments({ caseId, sha256 })) === 1;

  /**
   * 北京's enforcement notice naming a PDF and then a PNG, taken by the hub; its two documents
   * wait in the outbox behind it, in that order.
   */
  async function aNoticeWithTwoDocuments() {
    const [first, second] = await Promise.all(
      [
        { name: "处罚决定书.pdf", data: pdf() },
        { name: "现场照片.png", data: png() },
      ].map((d) =>
        net.beijing.exchange.uploadDocument(bjCounty, {
          name: d.name,
          dataBase64: d.data.toString("base64"),
        }),
      ),
    );
    if (!first || !second) throw new Error("upload failed");
    const p = await aCertifiedPractitioner(net.jiangsu, { issuingDivision: "320100" });
    const notice = await net.beijing.exchange.notify(bjCounty, {
      practitioner: p,
      details: { ...aNotice(), documents: [first, second] },
    });
    expect(
      (await outgoing(notice.caseId)).map((e) => [e.purpose, e.status, e.body?.sha256 ?? null]),
    ).to.deep.equal([
      ["submit", "done", null],
      ["document", "pending", first.sha256],
      ["document", "pending", second.sha256],
    ]);
    return { caseId: notice.caseId, first, second };
  }

  it("when the hub refused an earlier message of the case for good, then the later message of the same case is still sent", async () => {
    const { caseId, first, second } = await aNoticeWithTwoDocuments();
    // 北京's stored copy of the first document no longer matches the notice's digest (same type
    // and size): the hub refuses it, 422 document_digest_mismatch, a refusal no resend can change.
    await net.beijing.conn
      .collection("exchange_local_documents")
      .updateOne({ sha256: first.sha256 }, { $set: { data: pdf() } });

    await net.beijing.send();

    const [, refused, later] = await outgoing(caseId);
    expect(refused).to.include({ status: "dead", refusedByHub: true });
    expect(refused?.lastError).to.include("document_digest_mismatch");
    expect(later).to.include({ status: "done" });
    expect(await hubHolds(caseId, first.sha256)).to.equal(false);
    expect(await hubHolds(caseId, second.sha256)).to.equal(true);
    // Nothing is left for an officer to send again: the refusal is final, the rest delivered.
    expect((await net.beijing.exchange.get(bjCounty, caseId)).undelivered).to.deep.equal([]);
  });

  it("when an earlier message of the case was given up after the maximum attempts, then the later one still waits, and once sent again both reach the hub in order", async () => {
    const { caseId, first, second } = await aNoticeWithTwoDocuments();
    // A sender on a network that is down, giving up after one attempt: the first document dies
    // and the pass stops there.
    const dying = createExchangeTransport({
      conn: net.beijing.conn,
      logger: silent,
      client: () => net.beijing.client,
      backoffMs: () => 0,
      maxAttempts: 1,
      audit: createAuditService(net.beijing.conn),
    });
    net.beijing.link.down = true;
    try {
      await dying.sendOnce();
    } finally {
      net.beijing.link.down = false;
    }
    const [, dead] = await outgoing(caseId);
    expect(dead).to.include({ status: "dead", attempts: 1 });
    expect(dead?.refusedByHub).to.equal(undefined);

    // The network is back: the sender's passes leave the dead one and the later one waits behind it.
    await net.beijing.send();
    await net.beijing.send();
    expect((await outgoing(caseId)).map((e) => e.status)).to.deep.equal(["done", "dead", "pending"]);
    expect(await hubHolds(caseId, second.sha256)).to.equal(false);
    expect(
      (await net.beijing.exchange.get(bjCounty, caseId)).undelivered.map((u) => u.purpose),
    ).to.deep.equal(["document"]);

    await net.beijing.exchange.resend(bjCounty, caseId);
    await net.beijing.send();
    expect((await outgoing(caseId)).map((e) => e.status)).to.deep.equal(["done", "done", "done"]);
    const held = await net.hub.node.ctx.conn
      .collection("exchange_documents")
      .find({ caseId })
      .sort({ _id: 1 })
      .toArray();
    expect(held.map((d) => d.sha256)).to.deep.equal([first.sha256, second.sha256]);
  });

  it("when a queued filing is ended and the hub then refuses the filing, then the ending is not sent and the case keeps the hub's reason", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjCounty, p.idNumber);
    // Filed and ended while the hub cannot be reached: the ending waits behind the filing.
    net.beijing.link.down = true;
    const filed = await net.beijing.exchange.file(bjCounty, {
      lookupId: found.lookupId,
      practitioner: p,
      details: aFiling(),
    });
    const ended = await net.beijing.exchange.end(bjCounty, filed.caseId, {
      endDate: new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10),
      reason: "离职",
    });
    net.beijing.link.down = false;
    expect(ended.state).to.equal("ended");
    const { caseId } = filed;
    // An office the hub does not take (abolished in 2010): the filing is refused for good.
    await net.beijing.conn
      .collection("exchange_outgoing")
      .updateOne({ caseId, purpose: "submit" }, { $set: { "body.officer.divisionCode": "110103" } });

    await net.beijing.send();
    await net.beijing.send();

    const c = await net.beijing.conn.collection("exchange_local_cases").findOne({ caseId });
    expect(c).to.include({ state: "refused" });
    expect(c?.refusal).to.include({ code: "office_division_invalid" });
    expect(c?.history.filter((h: { by: string }) => h.by === "全国中心")).to.have.length(1);
    const actions = (
      await net.beijing.conn.collection("audit_log").find({ "target.id": caseId }).toArray()
    ).map((a) => a.action);
    expect(actions).to.include("exchange.filing.refused");
    expect(actions).to.not.include("exchange.end_refused");
    const [submit, ending] = await outgoing(caseId);
    expect(submit).to.include({ purpose: "submit", status: "dead", refusedByHub: true });
    expect(ending).to.include({ purpose: "end", status: "done", attempts: 0 });
    expect(ending?.lastError).to.equal("事项已被全国中心拒绝，本消息未发送");
    // The hub never heard of the ending (nor holds the case).
    expect(
      await net.hub.node.ctx.conn
        .collection("message_log")
        .countDocuments({ direction: "in", target: `/api/hub/v1/exchange/cases/${caseId}/end` }),
    ).to.equal(0);
    expect(await net.hub.node.ctx.conn.collection("exchange_cases").countDocuments({ caseId })).to.equal(0);
    expect((await net.beijing.exchange.get(bjCounty, caseId)).undelivered).to.deep.equal([]);
  });
});
