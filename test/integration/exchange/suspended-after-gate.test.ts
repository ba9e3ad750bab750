import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { createHubExchangeService } from "../../../server/exchange/index.js";
import { createHubDocuments } from "../../../server/exchange/hub-documents.js";
import { createHubExchangePort } from "../../../server/hub/index.js";
import { AppError } from "../../../server/lib/errors.js";
import {
  aCertifiedPractitioner,
  aFiling,
  anOfficer,
  aNotice,
  useExchangeNetwork,
  type TestProvince,
} from "./support.js";

/**
 * The exchange's gate checks a node's status and key once, when its request arrives; the hub's
 * write comes after its own reads (pointer, lookup, case). A node the hub operator suspends in
 * between must not write: each writing transaction checks the node again, by a write a suspension
 * committing meanwhile conflicts with (the collection's holdNodeForWrite), and refuses with the
 * gate's own code, 403 node_suspended, which the province's sender holds on rather than counting.
 * Called here as the routes call the service once the gate let the request in, the node suspended
 * after that.
 */
describe("cross-province exchange: a node suspended after the hub's gate let its request in", () => {
  const net = useExchangeNetwork();
  const bjCounty = anOfficer("110105", "朝阳区业务员");
  const jsProvince = anOfficer("320000", "江苏省厅业务员");

  const hubConn = () => net.hub.node.ctx.conn;
  const service = () =>
    createHubExchangeService(hubConn(), {
      hub: createHubExchangePort(hubConn()),
      ackHours: { filing: 72, transfer: 120, notice: 240 },
    });
  const hubCase = (caseId: string) => hubConn().collection("exchange_cases").findOne({ caseId });
  const inboxOf = (caseId: string) => hubConn().collection("exchange_inbox").countDocuments({ caseId });
  const outgoing = (p: TestProvince, caseId: string, purpose: string) =>
    p.conn.collection("exchange_outgoing").findOne({ caseId, purpose });

  async function refusalOf(work: Promise<unknown>): Promise<{ code: string; status: number }> {
    try {
      await work;
    } catch (err) {
      if (err instanceof AppError) return { code: err.code, status: err.status };
      throw err;
    }
    throw new Error("expected a refusal");
  }

  /** Runs `work` with `p`'s node suspended at the hub, reactivating it whatever happens. */
  async function whileSuspended<T>(p: TestProvince, work: () => Promise<T>): Promise<T> {
    await net.hub.registry.setStatus(p.provinceCode, "suspended");
    try {
      return await work();
    } finally {
      await net.hub.registry.setStatus(p.provinceCode, "active");
    }
  }

  /** Runs `work` with `p`'s link to the hub cut: what it sends waits in its outbox. */
  async function offline<T>(p: TestProvince, work: () => Promise<T>): Promise<T> {
    p.link.down = true;
    try {
      return await work();
    } finally {
      p.link.down = false;
    }
  }

  /** A filing of 北京's that the hub holds (everything before it sent). */
  async function aFilingAtTheHub(): Promise<string> {
    await net.beijing.send();
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjCounty, p.idNumber);
    return (
      await net.beijing.exchange.file(bjCounty, {
        lookupId: found.lookupId,
        practitioner: p,
        details: aFiling(),
      })
    ).caseId;
  }

  it("when 北京 is suspended after the gate let its new filing in, then the filing is refused 403 node_suspended, the hub holds no case and no message, and the same filing is taken once 北京 is active", async () => {
    await net.beijing.send();
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjCounty, p.idNumber);
    // The body exactly as 北京's node signs it, kept in its outbox while the link is down.
    const { caseId } = await offline(net.beijing, () =>
      net.beijing.exchange.file(bjCounty, { lookupId: found.lookupId, practitioner: p, details: aFiling() }),
    );
    const body = (await outgoing(net.beijing, caseId, "submit"))?.body;
    expect(body).to.include({ caseId, kind: "filing" });
    const pointerBefore = await hubConn().collection("hub_practitioners").findOne({ idNumber: p.idNumber });

    const refusal = await whileSuspended(net.beijing, () =>
      refusalOf(service().submit(body, "110000", net.beijing.key.keyId)),
    );
    expect(refusal).to.deep.equal({ code: "node_suspended", status: 403 });
    expect(await hubCase(caseId)).to.equal(null);
    expect(await inboxOf(caseId)).to.equal(0);
    // Not filed with 北京 either: the filing's pointer change rolled back with the case.
    expect(await hubConn().collection("hub_practitioners").findOne({ idNumber: p.idNumber })).to.deep.equal(
      pointerBefore,
    );

    expect(await service().submit(body, "110000", net.beijing.key.keyId)).to.include({
      caseId,
      state: "sent",
    });
  });

  it("when 北京 is suspended after the gate let its ending in, then the ending is refused 403 node_suspended and the hub's case stays open with no message for 江苏", async () => {
    const caseId = await aFilingAtTheHub();
    const messages = await inboxOf(caseId);
    await net.beijing.exchange.end(bjCounty, caseId, { endDate: "2026-12-05", reason: "离职" });
    const body = (await outgoing(net.beijing, caseId, "end"))?.body;
    expect(body).to.include({ endDate: "2026-12-05" });

    const refusal = await whileSuspended(net.beijing, () =>
      refusalOf(service().end(caseId, body, "110000", net.beijing.key.keyId)),
    );
    expect(refusal).to.deep.equal({ code: "node_suspended", status: 403 });
    expect(await hubCase(caseId)).to.include({ state: "sent", end: null });
    expect(await inboxOf(caseId)).to.equal(messages);
  });

  it("when 江苏 is suspended after the gate let its answer in, then the answer is refused 403 node_suspended and the hub's case stays unanswered with no message for 北京", async () => {
    const caseId = await aFilingAtTheHub();
    await net.jiangsu.pull();
    await offline(net.jiangsu, () =>
      net.jiangsu.exchange.answer(jsProvince, caseId, { outcome: "acknowledged" }),
    );
    const body = (await outgoing(net.jiangsu, caseId, "answer"))?.body;
    expect(body).to.include({ outcome: "acknowledged" });
    const messages = await inboxOf(caseId);

    const refusal = await whileSuspended(net.jiangsu, () =>
      refusalOf(service().answer(caseId, body, "320000", net.jiangsu.key.keyId)),
    );
    expect(refusal).to.deep.equal({ code: "node_suspended", status: 403 });
    expect(await hubCase(caseId)).to.include({ ack: null, answeredAt: null });
    expect(await inboxOf(caseId)).to.equal(messages);
  });

  it("when 北京 is suspended after the gate let a notice's document in, then the document is refused 403 node_suspended and the hub keeps none of it", async () => {
    await net.beijing.send();
    const bytes = Buffer.concat([Buffer.from("%PDF-1.7\n", "latin1"), randomBytes(1000)]);
    const dataBase64 = bytes.toString("base64");
    const doc = await net.beijing.exchange.uploadDocument(bjCounty, { name: "处罚决定书.pdf", dataBase64 });
    const p = await aCertifiedPractitioner(net.jiangsu);
    const notice = await net.beijing.exchange.notify(bjCounty, {
      practitioner: p,
      details: { ...aNotice(), documents: [doc] },
    });
    expect(notice.state).to.equal("sent");
    const content = { sha256: doc.sha256, mediaType: doc.mediaType, name: "处罚决定书.pdf", dataBase64 };
    const documents = createHubDocuments(hubConn());

    const refusal = await whileSuspended(net.beijing, () =>
      refusalOf(documents.receive(notice.caseId, content, "110000", net.beijing.key.keyId)),
    );
    expect(refusal).to.deep.equal({ code: "node_suspended", status: 403 });
    expect(
      await hubConn().collection("exchange_documents").countDocuments({ caseId: notice.caseId }),
    ).to.equal(0);

    expect(await documents.receive(notice.caseId, content, "110000", net.beijing.key.keyId)).to.include({
      caseId: notice.caseId,
    });
    expect(
      await hubConn().collection("exchange_documents").countDocuments({ caseId: notice.caseId }),
    ).to.equal(1);
  });
});
