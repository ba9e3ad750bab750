import { expect } from "chai";
import { createExchangeTransport } from "../../../server/exchange/index.js";
import { createLogger } from "../../../server/lib/logger.js";
import { aCertifiedPractitioner, aFiling, agreeAndIssue, anOfficer, useExchangeNetwork } from "./support.js";

/**
 * While the hub operator has a node suspended, the hub answers every message of it 403
 * node_suspended. Its endings and issuance reports were taken as refused for good, after the
 * province had moved on locally: a filing the hub never closed, a former home never told that its
 * certificate was superseded (the person held two valid certificates). They wait instead, and go
 * once the node is active again; an ending that keeps failing says so on its case and is never given up.
 */
describe("cross-province exchange: a node the hub has suspended", () => {
  const net = useExchangeNetwork();
  const bjCounty = anOfficer("110105", "朝阳区业务员");
  const bjOfficer = anOfficer("110000", "北京市厅业务员");
  const jsOfficer = anOfficer("320000", "江苏省厅业务员");
  const silent = createLogger({ level: "silent", name: "test" });

  const hubCase = (caseId: string) => net.hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId });
  const entryOf = (caseId: string, purpose: string) => net.beijing.conn.collection("exchange_outgoing").findOne({ caseId, purpose });
  /** 北京's sender with one attempt before an entry is dead: any attempt counted would end it. */
  const aSender = (maxAttempts = 1) =>
    createExchangeTransport({ conn: net.beijing.conn, logger: silent, client: () => net.beijing.client, backoffMs: () => 0, holdMs: { first: 10, max: 20 }, maxAttempts });
  const pause = () => new Promise((r) => setTimeout(r, 30));

  /** Runs `work` with 北京's node suspended at the hub, reactivating it whatever happens. */
  async function whileSuspended(work: () => Promise<void>): Promise<void> {
    await net.hub.registry.setStatus("110000", "suspended");
    try {
      await work();
    } finally {
      await net.hub.registry.setStatus("110000", "active");
    }
  }

  /** A filing of 北京's that the hub holds, everything before it sent. */
  async function aFilingAtTheHub(): Promise<string> {
    await net.beijing.send();
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjCounty, p.idNumber);
    return (await net.beijing.exchange.file(bjCounty, { lookupId: found.lookupId, practitioner: p, details: aFiling() })).caseId;
  }

  it("when 北京 ends a filing while the hub has its node suspended, then the ending waits without using up attempts and closes the hub's case once the node is active again", async () => {
    const caseId = await aFilingAtTheHub();
    const sender = aSender();
    await whileSuspended(async () => {
      await net.beijing.exchange.end(bjCounty, caseId, { endDate: "2026-12-05", reason: "离职" });
      for (let i = 0; i < 3; i++) {
        await sender.sendOnce();
        await pause();
      }
      const waiting = await entryOf(caseId, "end");
      expect(waiting).to.deep.include({ status: "pending", attempts: 0 });
      expect(String(waiting?.lastError)).to.include("node_suspended");
      expect(await hubCase(caseId)).to.include({ state: "sent" });
    });
    await pause();
    await sender.sendOnce();
    expect(await entryOf(caseId, "end")).to.include({ status: "done" });
    expect(await hubCase(caseId)).to.include({ state: "ended" });
    expect((await net.beijing.exchange.get(bjCounty, caseId)).refusal).to.equal(null);
  });

  it("when 北京 issues on an agreed transfer while the hub has its node suspended, then the issuance report waits and reaches the former home once the node is active again", async () => {
    await net.beijing.send();
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈换发" });
    const found = await net.beijing.lookup(bjOfficer, p.idNumber);
    const { caseId } = await net.beijing.exchange.transfer(bjOfficer, { lookupId: found.lookupId, practitioner: p, details: { reason: "户籍迁入北京市" } });
    // 北京's certificate is issued; its report waits in 北京's outbox when the node is suspended.
    await agreeAndIssue(net, { jiangsu: jsOfficer, beijing: bjOfficer }, caseId, { idNumber: p.idNumber, serial: "BJ-2026-000321" });
    const sender = aSender();
    await whileSuspended(async () => {
      await sender.sendOnce();
      expect(await entryOf(caseId, "issued")).to.deep.include({ status: "pending", attempts: 0 });
      expect(await hubCase(caseId)).to.include({ issued: null });
    });
    await pause();
    await sender.sendOnce();
    expect(await entryOf(caseId, "issued")).to.include({ status: "done" });
    expect((await hubCase(caseId))?.issued).to.include({ serial: "BJ-2026-000321" });
  });

  it("when 北京's ending cannot reach the hub within its attempts, then it is not given up (outgoing-settle.ts KEEPS_RETRYING) and the case's history says it is still being sent", async () => {
    const caseId = await aFilingAtTheHub();
    await net.beijing.exchange.end(bjCounty, caseId, { endDate: "2026-12-05", reason: "离职" });
    net.beijing.link.down = true;
    try {
      await aSender(1).sendOnce();
    } finally {
      net.beijing.link.down = false;
    }
    expect(await entryOf(caseId, "end")).to.include({ status: "pending", attempts: 1 });
    const last = (await net.beijing.exchange.get(bjCounty, caseId)).history.at(-1);
    expect(last).to.include({ state: "ended", by: "本省节点" });
    expect(last?.note).to.match(/^终止已 1 次未能送达全国中心，本省节点将继续自动重发/);
  });
});
