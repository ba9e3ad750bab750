import { expect } from "chai";
import type { Model } from "mongoose";
import { aCertifiedPractitioner, aFiling, anOfficer, useExchangeNetwork } from "./support.js";

/**
 * Many filings to one province at once (bench:exchange's case): holding a message must not make
 * every filing's transaction write the receiving province's one inbox counter (they conflicted and
 * retried one after another); the messages are numbered when the province pulls, each once, in order.
 */
describe("cross-province exchange: many filings to one province at once, and pull on notification", () => {
  const net = useExchangeNetwork();
  const bjOfficer = anOfficer("110105", "朝阳区业务员");

  it("when 12 filings to 江苏 are sent at once, then none takes an inbox number while held, and 江苏's pull numbers and applies each exactly once, in order", async () => {
    const people = [];
    for (let i = 0; i < 12; i++) {
      const p = await aCertifiedPractitioner(net.jiangsu, { issuingDivision: "320100" });
      people.push({ p, lookupId: (await net.beijing.lookup(bjOfficer, p.idNumber)).lookupId });
    }
    const filed = await Promise.all(people.map(({ p, lookupId }) => net.beijing.exchange.file(bjOfficer, { lookupId, practitioner: p, details: aFiling() })));
    expect(filed.map((f) => f.state)).to.deep.equal(Array(12).fill("sent"));
    const hubDb = net.hub.node.ctx.conn;
    expect(await hubDb.collection("exchange_counters").findOne({ _id: "inbox:320000" as never })).to.equal(null);

    expect(await net.jiangsu.pull()).to.equal(12);
    const held = await hubDb.collection("exchange_inbox").find({ to: "320000" }).sort({ seq: 1 }).toArray();
    expect(held.map((m) => m.seq)).to.deep.equal(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(new Set(held.map((m) => m.caseId))).to.deep.equal(new Set(filed.map((f) => f.caseId)));
    expect(await net.jiangsu.conn.collection("exchange_local_cases").countDocuments({ box: "in" })).to.equal(12);
    expect(await net.jiangsu.pull()).to.equal(0);
  });

  it("when 江苏's pull is waiting at the hub with an empty inbox and a filing is held, then that same pull brings it", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { issuingDivision: "320100" });
    const lookupId = (await net.beijing.lookup(bjOfficer, p.idNumber)).lookupId;
    expect(await net.jiangsu.pull()).to.equal(0);
    const waiting = net.jiangsu.transport.pullOnce("320000", { waitMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    const filed = await net.beijing.exchange.file(bjOfficer, { lookupId, practitioner: p, details: aFiling() });
    expect(await waiting).to.equal(1);
    expect(await net.jiangsu.conn.collection("exchange_local_cases").countDocuments({ caseId: filed.caseId, box: "in" })).to.equal(1);
  });

  it("when a filing commits while 江苏's waiting pull is reading its empty inbox, then that pull is woken by it rather than waiting out its wait", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { issuingDivision: "320100" });
    const lookupId = (await net.beijing.lookup(bjOfficer, p.idNumber)).lookupId;
    expect(await net.jiangsu.pull()).to.equal(0);
    // The hub's read of 江苏's messages finds none; before its answer comes back, a filing commits
    // (and announces its arrival). The pull must still be woken by that arrival.
    const Inbox = net.hub.node.ctx.conn.models.ExchangeHubInbox as Model<unknown>;
    const find = Inbox.find.bind(Inbox);
    let filed: Promise<unknown> | null = null;
    Inbox.find = ((...args: Parameters<typeof find>) => {
      const query = find(...args);
      const filter = args[0] as { to?: string; seq?: { $gt?: number }; deliveredAt?: unknown } | undefined;
      if (!filed && filter?.to === "320000" && filter.seq?.$gt !== undefined && !("deliveredAt" in filter)) {
        const exec = query.exec.bind(query);
        filed = Promise.resolve();
        query.exec = async () => {
          const rows = await exec();
          filed = net.beijing.exchange.file(bjOfficer, { lookupId, practitioner: p, details: aFiling() });
          await filed;
          return rows;
        };
      }
      return query;
    }) as typeof find;
    try {
      // Waits up to 10 s at the hub; woken by the arrival, it answers well before then.
      const waiting = net.jiangsu.transport.pullOnce("320000", { waitMs: 10_000 });
      const answered = await Promise.race([waiting, new Promise((r) => setTimeout(() => r("still waiting"), 5_000))]);
      expect(answered).to.equal(1);
      await waiting;
    } finally {
      Reflect.deleteProperty(Inbox, "find"); // back to Model.find
    }
    expect(filed).to.not.equal(null);
  });
});
