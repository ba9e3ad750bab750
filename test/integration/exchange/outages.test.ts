import { expect } from "chai";
import { useTestDatabase } from "../../helpers/database.js";
import { startTestHub, type TestHub } from "../hub/support.js";
import { aCertifiedPractitioner, aFiling, anOfficer, aNotice, aProvince, type TestProvince } from "./support.js";

/**
 * Outages at each step: the link between a province and the hub is cut (the province or the hub
 * is unreachable) while a case is sent, pulled, answered, and the answer pulled; when it is back,
 * every message arrives exactly once.
 */
describe("cross-province exchange: store and forward through outages", () => {
  const jsDb = useTestDatabase("prov_js");
  const bjDb = useTestDatabase("prov_bj");
  let hub: TestHub;
  let jiangsu: TestProvince;
  let beijing: TestProvince;
  const bjCity = anOfficer("110100", "北京市业务员");
  const jsCity = anOfficer("320100", "南京市业务员");

  before(async () => {
    hub = await startTestHub();
    jiangsu = await aProvince(hub, "320000", jsDb.conn);
    beijing = await aProvince(hub, "110000", bjDb.conn);
  });
  after(async () => {
    await hub.node.stop();
  });

  const hubCases = (idNumber: string) => hub.node.ctx.conn.collection("exchange_cases").find({ idNumber }).toArray();
  const localCases = (conn: TestProvince["conn"], caseId: string) => conn.collection("exchange_local_cases").find({ caseId }).toArray();

  it("when the link is down at every step of a filing and then back, then each side ends with exactly one case, acknowledged, and the hub with one answer", async () => {
    const p = await aCertifiedPractitioner(jiangsu, { issuingDivision: "320100" });
    const found = await beijing.lookup(bjCity, p.idNumber);

    // 1. 北京 files while it cannot reach the hub: the case waits, queued.
    beijing.link.down = true;
    const filed = await beijing.exchange.file(bjCity, { lookupId: found.lookupId, practitioner: p, details: aFiling() });
    expect(filed.state).to.equal("queued");
    await beijing.send();
    await beijing.send();
    expect(await hubCases(p.idNumber)).to.have.length(0);
    beijing.link.down = false;
    await beijing.send();
    await beijing.send();
    expect(await hubCases(p.idNumber)).to.have.length(1);
    expect((await beijing.exchange.get(bjCity, filed.caseId)).state).to.equal("sent");

    // 2. 江苏 is down when the case is held for it; it pulls when it is back, twice.
    jiangsu.link.down = true;
    await jiangsu.pull().catch(() => undefined);
    jiangsu.link.down = false;
    await jiangsu.pull();
    await jiangsu.pull();
    expect(await localCases(jsDb.conn, filed.caseId)).to.have.length(1);

    // 3. 江苏 answers while the hub is unreachable; the answer goes when it is back.
    jiangsu.link.down = true;
    await jiangsu.exchange.answer(jsCity, filed.caseId, { outcome: "acknowledged" });
    await jiangsu.send();
    expect((await hubCases(p.idNumber))[0]).to.include({ state: "delivered" });
    jiangsu.link.down = false;
    await jiangsu.send();
    await jiangsu.send();
    expect((await hubCases(p.idNumber))[0]).to.include({ state: "acknowledged" });

    // 4. 北京 is down when the answer is held for it.
    beijing.link.down = true;
    await beijing.pull().catch(() => undefined);
    beijing.link.down = false;
    await beijing.pull();
    await beijing.pull();
    const atBeijing = await localCases(bjDb.conn, filed.caseId);
    expect(atBeijing).to.have.length(1);
    expect(atBeijing[0]).to.include({ state: "acknowledged" });
    // Exactly once: each history step appears once on each side.
    const states = (atBeijing[0]!.history as { state: string }[]).map((h) => h.state);
    expect(states.filter((s) => s === "acknowledged")).to.have.length(1);
    expect(states.filter((s) => s === "delivered")).to.have.length(1);
    const inbox = await hub.node.ctx.conn.collection("exchange_inbox").find({ caseId: filed.caseId }).toArray();
    expect(inbox.every((m) => m.deliveredAt !== null)).to.equal(true);
  });

  it("when a province re-reads its inbox from an old cursor (a crash before the cursor was saved), then no message is applied twice", async () => {
    const p = await aCertifiedPractitioner(jiangsu);
    const notice = await beijing.exchange.notify(bjCity, { practitioner: p, details: aNotice() });
    await jiangsu.pull();
    await jsDb.conn.collection("exchange_local_counters").updateOne({ _id: "cursor:inbox" as unknown as never }, { $set: { value: 0 } });
    expect(await jiangsu.pull()).to.equal(0);
    expect(await localCases(jsDb.conn, notice.caseId)).to.have.length(1);
  });

  it("when the hub answers a re-sent case (the first answer was lost), then it holds the case once", async () => {
    const p = await aCertifiedPractitioner(jiangsu);
    const found = await beijing.lookup(bjCity, p.idNumber);
    const filed = await beijing.exchange.file(bjCity, { lookupId: found.lookupId, practitioner: p, details: aFiling() });
    const entry = await bjDb.conn.collection("exchange_outgoing").findOne({ caseId: filed.caseId });
    const again = await beijing.client.call("POST", "/api/hub/v1/exchange/cases", entry!.body);
    expect(again.status).to.equal(200);
    expect(await hubCases(p.idNumber)).to.have.length(1);
    expect(await hub.node.ctx.conn.collection("exchange_inbox").countDocuments({ caseId: filed.caseId, type: "case" })).to.equal(1);
  });
});
