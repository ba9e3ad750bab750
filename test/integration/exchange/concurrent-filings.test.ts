import { expect } from "chai";
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
});
