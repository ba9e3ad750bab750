import { expect } from "chai";
import { createAuditService, type AuditLog } from "../../../server/audit/index.js";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { createExchangeTransport, createProvinceExchangeService } from "../../../server/exchange/index.js";
import { createLogger } from "../../../server/lib/logger.js";
import {
  aCertifiedPractitioner,
  aFiling,
  anOfficer,
  useExchangeNetwork,
  type TestProvince,
} from "./support.js";

/**
 * A message of this province that kept failing to reach the hub is given up (`dead`) after the
 * sender's maxAttempts (a new case or a document; answers, endings and issuance reports only by
 * versions before they kept being retried), and nothing sent it again: an ending that died stayed ended here while the
 * hub kept the case open, for good. An officer of the case's division sends the case's undelivered
 * messages again (重新发送): back in the queue in order, with an audit entry and a history line, in
 * one transaction, once however many press at once.
 */
describe("cross-province exchange: an officer sends a message the sender gave up on again", () => {
  const net = useExchangeNetwork();
  const bjCounty = anOfficer("110105", "朝阳区业务员");
  const otherCounty = anOfficer("110108", "海淀区业务员");
  const silent = createLogger({ level: "silent", name: "test" });
  const beijingDay = (days: number) =>
    new Date(Date.now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);
  const localCase = (caseId: string) =>
    net.beijing.conn.collection("exchange_local_cases").findOne({ caseId });
  const hubCase = (caseId: string) => net.hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId });
  const outgoing = (caseId: string) =>
    net.beijing.conn.collection("exchange_outgoing").find({ caseId }).sort({ seq: 1 }).toArray();
  const audits = (caseId: string, action = "exchange.resend") =>
    net.beijing.conn.collection("audit_log").countDocuments({ "target.id": caseId, action });
  const codeOf = (work: Promise<unknown>) =>
    work.then(
      () => null,
      (e: { code?: string; message?: string }) => ({ code: e.code, message: e.message }),
    );

  /** 北京's sender on a network that is down, giving up after one attempt: every message it tries dies. */
  async function sendUntilDead(caseId: string): Promise<void> {
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
      for (let i = 0; i < 10 && !(await outgoing(caseId)).some((e) => e.status === "dead"); i++)
        await dying.sendOnce();
    } finally {
      net.beijing.link.down = false;
    }
    expect((await outgoing(caseId)).map((e) => e.status)).to.include("dead");
  }

  /** 北京's filing of a 江苏 holder, taken by the hub and delivered to 江苏. */
  async function aDeliveredFiling(): Promise<string> {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjCounty, p.idNumber);
    const filed = await net.beijing.exchange.file(bjCounty, {
      lookupId: found.lookupId,
      practitioner: p,
      details: aFiling({ startDate: beijingDay(-10) }),
    });
    await net.jiangsu.pull();
    await net.beijing.pull();
    return filed.caseId;
  }

  /**
   * A delivered filing whose ending died on the way to the hub: tried once, and given up as a version before endings kept being retried gave it up
   * (outgoing-settle.ts KEEPS_RETRYING); such entries are still on record after the upgrade.
   */
  async function aDeadEnding(): Promise<string> {
    const caseId = await aDeliveredFiling();
    await net.beijing.exchange.end(bjCounty, caseId, { endDate: beijingDay(0), reason: "离职" });
    await net.beijing.conn
      .collection("exchange_outgoing")
      .updateOne(
        { caseId, purpose: "end" },
        { $set: { status: "dead", attempts: 1, lastError: "无法连接全国中心（fetch failed）" } },
      );
    expect((await outgoing(caseId)).map((e) => e.status)).to.include("dead");
    return caseId;
  }

  it("when an ending died and the officer sends it again, then it reaches the hub and the case is ended on both sides", async () => {
    const caseId = await aDeadEnding();
    const shown = await net.beijing.exchange.get(bjCounty, caseId);
    expect(shown.state).to.equal("ended");
    expect(shown.undelivered).to.have.length(1);
    expect(shown.undelivered[0]).to.include({ purpose: "end", attempts: 1 });
    expect(shown.undelivered[0]?.lastError).to.be.a("string").and.not.equal("");
    // Given up: the sender's passes leave it, and the hub still holds the filing open.
    await net.beijing.send();
    expect(await hubCase(caseId)).to.include({ state: "delivered" });

    const resent = await net.beijing.exchange.resend(bjCounty, caseId);
    expect(resent.undelivered).to.deep.equal([]);
    expect(resent.history.at(-1)).to.include({ state: "ended", by: "朝阳区业务员" });
    expect(resent.history.at(-1)?.note).to.include("已重新发送");
    const [entry] = (await outgoing(caseId)).filter((e) => e.purpose === "end");
    expect(entry).to.include({ status: "pending", attempts: 0, leaseUntil: null });
    expect(await audits(caseId)).to.equal(1);

    await net.beijing.send();
    expect((await outgoing(caseId)).map((e) => e.status)).to.deep.equal(["done", "done"]);
    expect(await hubCase(caseId)).to.include({ state: "ended" });
    expect(await localCase(caseId)).to.include({ state: "ended" });
    expect((await net.beijing.exchange.get(bjCounty, caseId)).undelivered).to.deep.equal([]);
  });

  it("when a queued filing died and was ended meanwhile, then the ending waits behind it, and once sent again both reach the hub in order", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjCounty, p.idNumber);
    net.beijing.link.down = true;
    const filed = await net.beijing.exchange.file(bjCounty, {
      lookupId: found.lookupId,
      practitioner: p,
      details: aFiling({ startDate: beijingDay(-10) }),
    });
    net.beijing.link.down = false;
    const caseId = filed.caseId;
    await sendUntilDead(caseId);
    await net.beijing.exchange.end(bjCounty, caseId, { endDate: beijingDay(0), reason: "离职" });
    // The ending waits behind the dead filing: the hub never got a case to end.
    await net.beijing.send();
    expect((await outgoing(caseId)).map((e) => [e.purpose, e.status])).to.deep.equal([
      ["submit", "dead"],
      ["end", "pending"],
    ]);
    expect(await hubCase(caseId)).to.equal(null);
    expect(
      (await net.beijing.exchange.get(bjCounty, caseId)).undelivered.map((u) => u.purpose),
    ).to.deep.equal(["submit"]);

    await net.beijing.exchange.resend(bjCounty, caseId);
    await net.beijing.send();
    expect((await outgoing(caseId)).map((e) => e.status)).to.deep.equal(["done", "done"]);
    expect(await hubCase(caseId)).to.include({ state: "ended" });
    expect(await localCase(caseId)).to.include({ state: "ended" });
  });

  it("when nothing of the case is undelivered, then the resend is refused nothing_to_resend in Chinese and nothing is written", async () => {
    const caseId = await aDeliveredFiling();
    const before = await localCase(caseId);
    const refused = await codeOf(net.beijing.exchange.resend(bjCounty, caseId));
    expect(refused?.code).to.equal("nothing_to_resend");
    expect(refused?.message).to.match(/[\u4e00-\u9fff]/);
    expect((await localCase(caseId))?.history).to.deep.equal(before?.history);
    expect(await audits(caseId)).to.equal(0);
  });

  it("when the hub refused a queued filing for good, then it is not offered to send again and the resend is refused", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjCounty, p.idNumber);
    net.beijing.link.down = true;
    const filed = await net.beijing.exchange.file(bjCounty, {
      lookupId: found.lookupId,
      practitioner: p,
      details: aFiling(),
    });
    net.beijing.link.down = false;
    // An office the hub does not take: refused for good on the next pass (refused-endings.test.ts).
    await net.beijing.conn
      .collection("exchange_outgoing")
      .updateOne(
        { caseId: filed.caseId, purpose: "submit" },
        { $set: { "body.officer.divisionCode": "110103" } },
      );
    await net.beijing.send();
    expect(await localCase(filed.caseId)).to.include({ state: "refused" });
    // Dead by the hub's final word, which the queue keeps apart from a message that never arrived.
    expect((await outgoing(filed.caseId))[0]).to.include({ status: "dead", refusedByHub: true });
    expect((await net.beijing.exchange.get(bjCounty, filed.caseId)).undelivered).to.deep.equal([]);
    expect((await codeOf(net.beijing.exchange.resend(bjCounty, filed.caseId)))?.code).to.equal(
      "nothing_to_resend",
    );
  });

  it("when an officer of another division sends the case again, then it is refused as not found and the ending stays given up", async () => {
    const caseId = await aDeadEnding();
    expect((await codeOf(net.beijing.exchange.resend(otherCounty, caseId)))?.code).to.equal("case_not_found");
    expect((await outgoing(caseId)).find((e) => e.purpose === "end")).to.include({ status: "dead" });
    expect(await audits(caseId)).to.equal(0);
  });

  it("when two instances of the node send it again at once, then one applies: one audit entry, one history line, the other refused nothing_to_resend", async () => {
    const caseId = await aDeadEnding();
    const second = (p: TestProvince) =>
      createProvinceExchangeService(p.conn, {
        provinceCode: p.provinceCode,
        audit: createAuditService(p.conn),
        transport: p.transport,
      });
    const officerB: AuthUser = anOfficer("110105", "朝阳区另一业务员");
    const results = await Promise.all([
      codeOf(net.beijing.exchange.resend(bjCounty, caseId)),
      codeOf(second(net.beijing).resend(officerB, caseId)),
    ]);
    expect(results.map((r) => r?.code ?? "resent").sort()).to.deep.equal(["nothing_to_resend", "resent"]);
    expect(await audits(caseId)).to.equal(1);
    const history = ((await localCase(caseId))?.history ?? []) as { note: string | null }[];
    const notes = history.filter((h) => String(h.note).includes("已重新发送"));
    expect(notes).to.have.length(1);
    expect((await outgoing(caseId)).find((e) => e.purpose === "end")).to.include({
      status: "pending",
      attempts: 0,
    });
  });

  it("when the audit entry cannot be written, then nothing is resent: the entry stays given up and the history unchanged", async () => {
    const caseId = await aDeadEnding();
    const real = createAuditService(net.beijing.conn);
    const failing: AuditLog = { ...real, append: () => Promise.reject(new Error("audit store unavailable")) };
    const broken = createProvinceExchangeService(net.beijing.conn, {
      provinceCode: "110000",
      audit: failing,
      transport: net.beijing.transport,
    });
    const before = await localCase(caseId);
    expect(await codeOf(broken.resend(bjCounty, caseId))).to.not.equal(null);
    expect((await outgoing(caseId)).find((e) => e.purpose === "end")).to.include({
      status: "dead",
      attempts: 1,
    });
    expect((await localCase(caseId))?.history).to.deep.equal(before?.history);
    expect(await audits(caseId)).to.equal(0);
  });
});
