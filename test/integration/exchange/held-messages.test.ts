import { expect } from "chai";
import { aCertificateRecord } from "../hub/support.js";
import { aCertifiedPractitioner, anOfficer, aNotice, useExchangeNetwork } from "./support.js";

/**
 * Messages the hub took before it refused invisible characters in names (15bfd33) and before it
 * checked dates still wait in provinces' inboxes. Refused on the way out (by the hub's own answer
 * check) or on the way in (by the province's), one of them stopped the province's whole inbox: the
 * pull failed on every try and no later message ever arrived. They arrive, names cleaned as free
 * text is, and the messages after them too.
 */
describe("cross-province exchange: messages the hub held before today's rules", () => {
  const net = useExchangeNetwork();
  const bjOfficer = anOfficer("110000", "北京市厅业务员");
  const hubInbox = () => net.hub.node.ctx.conn.collection("exchange_inbox");
  const localCase = (conn: typeof net.jiangsu.conn, caseId: string) =>
    conn.collection("exchange_local_cases").findOne({ caseId });
  /** A Beijing date `days` from now. */
  const beijingDay = (days: number) =>
    new Date(Date.now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);

  it("when a held case names its officer and practitioner with invisible characters and dates a penalty in the future, then the home province's pull takes it cleaned, and the case after it", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const first = await net.beijing.exchange.notify(bjOfficer, { practitioner: p, details: aNotice() });
    const second = await net.beijing.exchange.notify(bjOfficer, {
      practitioner: p,
      details: { ...aNotice(), caseNumber: "京交执罚〔2026〕119号" },
    });
    // As the hub held it before it refused such names (and before it checked penalty dates).
    const held = await hubInbox().updateOne(
      { caseId: first.caseId, type: "case" },
      {
        $set: {
          "message.body.officer.name": "张三\u200b",
          "message.body.practitioner.name": "王\u200b备案",
          "message.body.details.decidedOn": beijingDay(30),
        },
      },
    );
    expect(held.modifiedCount).to.equal(1);

    expect(await net.jiangsu.pull()).to.equal(2);
    const cleaned = await localCase(net.jiangsu.conn, first.caseId);
    expect(cleaned).to.deep.include({ name: "王备案", box: "in" });
    expect((cleaned?.officer as { name: string }).name).to.equal("张三");
    expect((cleaned?.details as { decidedOn: string }).decidedOn).to.equal(beijingDay(30));
    expect(await localCase(net.jiangsu.conn, second.caseId)).to.not.equal(null);
  });

  it("when a held case names its practitioner and officer only with invisible characters, then the home province's pull takes it with the names marked unreadable, and the case after it", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const first = await net.beijing.exchange.notify(bjOfficer, { practitioner: p, details: aNotice() });
    const second = await net.beijing.exchange.notify(bjOfficer, {
      practitioner: p,
      details: { ...aNotice(), caseNumber: "京交执罚〔2026〕119号" },
    });
    // As the hub held it before it refused such names: cleaned, nothing is left of either.
    const held = await hubInbox().updateOne(
      { caseId: first.caseId, type: "case" },
      {
        $set: {
          "message.body.officer.name": "\u202e\u200b",
          "message.body.practitioner.name": "\u200b\u2066\u2069",
        },
      },
    );
    expect(held.modifiedCount).to.equal(1);

    expect(await net.jiangsu.pull()).to.equal(2);
    const kept = await localCase(net.jiangsu.conn, first.caseId);
    // The officers still find the person by the ID number, and answer the case as any other.
    expect(kept).to.deep.include({
      name: "（无法识别）",
      idNumber: p.idNumber,
      box: "in",
      state: "delivered",
    });
    expect((kept?.officer as { name: string }).name).to.equal("（无法识别）");
    expect(await localCase(net.jiangsu.conn, second.caseId)).to.deep.include({ name: p.name });
    // And the inbox goes on: a later case arrives with the next pull.
    const third = await net.beijing.exchange.notify(bjOfficer, {
      practitioner: p,
      details: { ...aNotice(), caseNumber: "京交执罚〔2026〕120号" },
    });
    expect(await net.jiangsu.pull()).to.equal(1);
    expect(await localCase(net.jiangsu.conn, third.caseId)).to.not.equal(null);
  });

  it("when a held state message carries the hub's record of a certificate with an invisible character in its authority and holder, then the sender's pull takes it cleaned", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const sent = await net.beijing.exchange.notify(bjOfficer, { practitioner: p, details: aNotice() });
    // 江苏's pull confirms the delivery: the hub holds a state message for 北京.
    await net.jiangsu.pull();
    const record = aCertificateRecord({ idNumber: p.idNumber, name: "王\u2066备案" });
    const sourceRecord = {
      ...record,
      certificate: { ...record.certificate, issuingAuthority: "江苏省\u202e交通运输厅" },
    };
    // As an older hub held it.
    const held = await hubInbox().updateOne(
      { caseId: sent.caseId, to: "110000", type: "state" },
      { $set: { "message.sourceRecord": sourceRecord } },
    );
    expect(held.modifiedCount).to.equal(1);

    expect(await net.beijing.pull()).to.be.greaterThan(0);
    const c = await localCase(net.beijing.conn, sent.caseId);
    const kept = c?.sourceRecord as {
      practitioner: { name: string };
      certificate: { issuingAuthority: string };
    };
    expect(kept.practitioner.name).to.equal("王备案");
    expect(kept.certificate.issuingAuthority).to.equal("江苏省交通运输厅");
    expect(c?.state).to.equal("delivered");
  });

  it("when a held message breaks the hub's own published answer, then the hub answers 500 (its fault) instead of blaming the province with 400", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const sent = await net.beijing.exchange.notify(bjOfficer, { practitioner: p, details: aNotice() });
    const broken = await hubInbox().updateOne(
      { caseId: sent.caseId, type: "case" },
      { $set: { "message.kind": "parcel" } },
    );
    expect(broken.modifiedCount).to.equal(1);
    try {
      const answer = await net.jiangsu.client.call("GET", "/api/hub/v1/exchange/inbox?after=0&limit=500");
      expect(answer.status).to.equal(500);
      expect(answer.error?.code).to.equal("internal_error");
    } finally {
      // The network's other stories pull this inbox too.
      await hubInbox().updateOne(
        { caseId: sent.caseId, type: "case" },
        { $set: { "message.kind": "notice" } },
      );
    }
    expect(await net.jiangsu.pull()).to.be.greaterThan(0);
  });
});
