import { expect } from "chai";
import { createExchangeTransport } from "../../../server/exchange/index.js";
import { createMessageLog, createNodeClient, generateNodeKey, type NodeKey } from "../../../server/sharing/index.js";
import { recordingLogger } from "../../helpers/recording-logger.js";
import { aCertifiedPractitioner, aFiling, anOfficer, aNotice, useExchangeNetwork, type TestProvince } from "./support.js";

/**
 * Outages at each step: the link between a province and the hub is cut (the province or the hub
 * is unreachable) while a case is sent, pulled, answered, and the answer pulled; when it is back,
 * every message arrives exactly once.
 */
describe("cross-province exchange: store and forward through outages", () => {
  const net = useExchangeNetwork();
  const bjCity = anOfficer("110100", "北京市业务员");
  const jsCity = anOfficer("320100", "南京市业务员");

  const hubCases = (idNumber: string) => net.hub.node.ctx.conn.collection("exchange_cases").find({ idNumber }).toArray();
  const localCases = (conn: TestProvince["conn"], caseId: string) => conn.collection("exchange_local_cases").find({ caseId }).toArray();

  it("when the link is down at every step of a filing and then back, then each side ends with exactly one case, acknowledged, and the hub with one answer", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { issuingDivision: "320100" });
    const found = await net.beijing.lookup(bjCity, p.idNumber);

    // 1. 北京 files while it cannot reach the hub: the case waits, queued.
    net.beijing.link.down = true;
    const filed = await net.beijing.exchange.file(bjCity, { lookupId: found.lookupId, practitioner: p, details: aFiling() });
    expect(filed.state).to.equal("queued");
    await net.beijing.send();
    await net.beijing.send();
    expect(await hubCases(p.idNumber)).to.have.length(0);
    net.beijing.link.down = false;
    await net.beijing.send();
    await net.beijing.send();
    expect(await hubCases(p.idNumber)).to.have.length(1);
    expect((await net.beijing.exchange.get(bjCity, filed.caseId)).state).to.equal("sent");

    // 2. 江苏 is down when the case is held for it; it pulls when it is back, twice.
    net.jiangsu.link.down = true;
    await net.jiangsu.pull().catch(() => undefined);
    net.jiangsu.link.down = false;
    await net.jiangsu.pull();
    await net.jiangsu.pull();
    expect(await localCases(net.jiangsu.conn, filed.caseId)).to.have.length(1);

    // 3. 江苏 answers while the hub is unreachable; the answer goes when it is back.
    net.jiangsu.link.down = true;
    await net.jiangsu.exchange.answer(jsCity, filed.caseId, { outcome: "acknowledged" });
    await net.jiangsu.send();
    expect((await hubCases(p.idNumber))[0]).to.include({ state: "delivered" });
    net.jiangsu.link.down = false;
    await net.jiangsu.send();
    await net.jiangsu.send();
    expect((await hubCases(p.idNumber))[0]).to.include({ state: "acknowledged" });

    // 4. 北京 is down when the answer is held for it.
    net.beijing.link.down = true;
    await net.beijing.pull().catch(() => undefined);
    net.beijing.link.down = false;
    await net.beijing.pull();
    await net.beijing.pull();
    const atBeijing = await localCases(net.beijing.conn, filed.caseId);
    expect(atBeijing).to.have.length(1);
    expect(atBeijing[0]).to.include({ state: "acknowledged" });
    // Exactly once: each history step appears once on each side.
    const states = (atBeijing[0]!.history as { state: string }[]).map((h) => h.state);
    expect(states.filter((s) => s === "acknowledged")).to.have.length(1);
    expect(states.filter((s) => s === "delivered")).to.have.length(1);
    const inbox = await net.hub.node.ctx.conn.collection("exchange_inbox").find({ caseId: filed.caseId }).toArray();
    expect(inbox.every((m) => m.deliveredAt !== null)).to.equal(true);
  });

  it("when a province re-reads its inbox from an old cursor (a crash before the cursor was saved), then no message is applied twice", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const notice = await net.beijing.exchange.notify(bjCity, { practitioner: p, details: aNotice() });
    await net.jiangsu.pull();
    await net.jiangsu.conn.collection("exchange_local_counters").updateOne({ _id: "cursor:inbox" as unknown as never }, { $set: { value: 0 } });
    expect(await net.jiangsu.pull()).to.equal(0);
    expect(await localCases(net.jiangsu.conn, notice.caseId)).to.have.length(1);
  });

  it("when the hub answers a re-sent case (the first answer was lost), then it holds the case once", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjCity, p.idNumber);
    const filed = await net.beijing.exchange.file(bjCity, { lookupId: found.lookupId, practitioner: p, details: aFiling() });
    const entry = await net.beijing.conn.collection("exchange_outgoing").findOne({ caseId: filed.caseId });
    const again = await net.beijing.client.call("POST", "/api/hub/v1/exchange/cases", entry!.body);
    expect(again.status).to.equal(200);
    expect(await hubCases(p.idNumber)).to.have.length(1);
    expect(await net.hub.node.ctx.conn.collection("exchange_inbox").countDocuments({ caseId: filed.caseId, type: "case" })).to.equal(1);
  });
  describe("a node the hub does not know under the key it signs with", () => {
    /** A filing of 北京's whose first try met an outage: queued, one attempt counted. */
    async function aQueuedFiling(): Promise<string> {
      const p = await aCertifiedPractitioner(net.jiangsu);
      const found = await net.beijing.lookup(bjCity, p.idNumber);
      net.beijing.link.down = true;
      try {
        return (await net.beijing.exchange.file(bjCity, { lookupId: found.lookupId, practitioner: p, details: aFiling() })).caseId;
      } finally {
        net.beijing.link.down = false;
      }
    }
    const entryOf = (caseId: string) => net.beijing.conn.collection("exchange_outgoing").findOne({ caseId, purpose: "submit" });
    /** 北京's sender, signing with `key`, on a transport with its own logger. */
    function aSender(key: NodeKey, options: { maxAttempts?: number; holdMs?: { first: number; max: number } } = {}) {
      const { logger, lines, warnings } = recordingLogger();
      const client = createNodeClient({ key, peer: net.hub.peer, log: createMessageLog(net.beijing.conn) });
      const transport = createExchangeTransport({ conn: net.beijing.conn, logger, client: () => client, backoffMs: () => 0, holdMs: { first: 10, max: 20 }, ...options });
      return { transport, lines, warnings };
    }

    it("when the hub has not registered the key yet, then the case waits without using up attempts or a warning, and goes once the node signs with a registered key", async () => {
      await net.beijing.send(); // whatever else is due goes first
      const caseId = await aQueuedFiling();
      expect(await entryOf(caseId)).to.deep.include({ status: "pending", attempts: 1 });
      // One more counted attempt would make the case dead.
      const unregistered = aSender(generateNodeKey(), { maxAttempts: 2 });
      for (let i = 0; i < 3; i++) {
        await unregistered.transport.sendOnce();
        await new Promise((r) => setTimeout(r, 30));
      }
      const waiting = await entryOf(caseId);
      expect(waiting).to.deep.include({ status: "pending", attempts: 1 });
      expect(String(waiting?.lastError)).to.include("unknown_key");
      expect(unregistered.warnings()).to.deep.equal([]);
      expect(unregistered.lines.filter((l) => l.level === "info")).to.have.length(3);

      await net.beijing.send();
      expect(await entryOf(caseId)).to.deep.include({ status: "done" });
      expect((await net.beijing.exchange.get(bjCity, caseId)).state).to.equal("sent");
    });

    it("when the hub has answered that it does not know the key, then the sender tries again only after its pause, not on every pass", async () => {
      await net.beijing.send();
      const caseId = await aQueuedFiling();
      const unregistered = aSender(generateNodeKey(), { holdMs: { first: 60_000, max: 60_000 } });
      expect(await unregistered.transport.sendOnce()).to.equal(1);
      for (let i = 0; i < 3; i++) expect(await unregistered.transport.sendOnce()).to.equal(0);
      expect(unregistered.lines).to.have.length(1);
      await net.beijing.send();
      expect(await entryOf(caseId)).to.deep.include({ status: "done" });
    });

    it("when the request names 北京's key id but is signed with another key, then the hub's 401 comes unsigned and the message waits without using up an attempt", async () => {
      // The hub could not verify the request, so it signs no refusal: the same answer a request
      // changed on the way gets, which must not use up a case's attempts.
      await net.beijing.send();
      const caseId = await aQueuedFiling();
      const impostor = aSender({ ...generateNodeKey(), keyId: net.beijing.key.keyId });
      await impostor.transport.sendOnce();
      expect(await entryOf(caseId)).to.deep.include({ status: "pending", attempts: 1, lastError: "全国中心的拒收应答未经签名，无法确认 (401 signature_invalid)，消息在本地等待" });
      expect(impostor.warnings()).to.deep.equal([]);
      await net.beijing.send();
      expect(await entryOf(caseId)).to.deep.include({ status: "done" });
    });
  });
});
