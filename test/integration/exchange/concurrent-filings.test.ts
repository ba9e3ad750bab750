import { expect } from "chai";
import { useTestDatabase } from "../../helpers/database.js";
import { startTestHub, type TestHub } from "../hub/support.js";
import { aCertifiedPractitioner, aFiling, anOfficer, aProvince, type TestProvince } from "./support.js";

/**
 * Many filings to one province at once (bench:exchange's case): holding a message must not make
 * every filing's transaction write the receiving province's one inbox counter (they conflicted and
 * retried one after another); the messages are numbered when the province pulls, each once, in order.
 */
describe("cross-province exchange: many filings to one province at once, and pull on notification", () => {
  const jsDb = useTestDatabase("prov_js");
  const bjDb = useTestDatabase("prov_bj");
  let hub: TestHub;
  let jiangsu: TestProvince;
  let beijing: TestProvince;
  const bjOfficer = anOfficer("110105", "朝阳区业务员");

  before(async () => {
    hub = await startTestHub();
    jiangsu = await aProvince(hub, "320000", jsDb.conn);
    beijing = await aProvince(hub, "110000", bjDb.conn);
  });
  after(async () => {
    await hub.node.stop();
  });

  it("when 12 filings to 江苏 are sent at once, then none takes an inbox number while held, and 江苏's pull numbers and applies each exactly once, in order", async () => {
    const people = [];
    for (let i = 0; i < 12; i++) {
      const p = await aCertifiedPractitioner(jiangsu, { issuingDivision: "320100" });
      people.push({ p, lookupId: (await beijing.lookup(bjOfficer, p.idNumber)).lookupId });
    }
    const filed = await Promise.all(people.map(({ p, lookupId }) => beijing.exchange.file(bjOfficer, { lookupId, practitioner: p, details: aFiling() })));
    expect(filed.map((f) => f.state)).to.deep.equal(Array(12).fill("sent"));
    const hubDb = hub.node.ctx.conn;
    expect(await hubDb.collection("exchange_counters").findOne({ _id: "inbox:320000" as never })).to.equal(null);

    expect(await jiangsu.pull()).to.equal(12);
    const held = await hubDb.collection("exchange_inbox").find({ to: "320000" }).sort({ seq: 1 }).toArray();
    expect(held.map((m) => m.seq)).to.deep.equal(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(new Set(held.map((m) => m.caseId))).to.deep.equal(new Set(filed.map((f) => f.caseId)));
    expect(await jsDb.conn.collection("exchange_local_cases").countDocuments({ box: "in" })).to.equal(12);
    expect(await jiangsu.pull()).to.equal(0);
  });

  it("when 江苏's pull is waiting at the hub with an empty inbox and a filing is held, then that same pull brings it", async () => {
    const p = await aCertifiedPractitioner(jiangsu, { issuingDivision: "320100" });
    const lookupId = (await beijing.lookup(bjOfficer, p.idNumber)).lookupId;
    expect(await jiangsu.pull()).to.equal(0);
    const waiting = jiangsu.transport.pullOnce("320000", { waitMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    const filed = await beijing.exchange.file(bjOfficer, { lookupId, practitioner: p, details: aFiling() });
    expect(await waiting).to.equal(1);
    expect(await jsDb.conn.collection("exchange_local_cases").countDocuments({ caseId: filed.caseId, box: "in" })).to.equal(1);
  });
});
