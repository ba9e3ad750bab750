import { expect } from "chai";
import { useTestDatabase } from "../../helpers/database.js";
import { startTestHub, type TestHub } from "../hub/support.js";
import { aCertifiedPractitioner, aFiling, anOfficer, aProvince, type TestProvince } from "./support.js";

describe("cross-province exchange: off-site filing", () => {
  const jsDb = useTestDatabase("prov_js");
  const bjDb = useTestDatabase("prov_bj");
  let hub: TestHub;
  let jiangsu: TestProvince;
  let beijing: TestProvince;
  const bjCounty = anOfficer("110105", "朝阳区业务员");
  const jsProvince = anOfficer("320000", "江苏省厅业务员");

  before(async () => {
    hub = await startTestHub();
    jiangsu = await aProvince(hub, "320000", jsDb.conn);
    beijing = await aProvince(hub, "110000", bjDb.conn);
  });
  after(async () => {
    await hub.node.stop();
  });

  const hubCase = (caseId: string) => hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId });

  it("when 北京 finds a 江苏 practitioner with reason filing and files, then 江苏 receives, acknowledges and both show acknowledged", async () => {
    const p = await aCertifiedPractitioner(jiangsu, { issuingDivision: "320100" });
    const found = await beijing.lookup(bjCounty, p.idNumber);
    expect(found.matches[0]).to.include({ idNumber: p.idNumber, homeProvince: "320000", certificateStatus: "valid" });

    const filed = await beijing.exchange.file(bjCounty, { lookupId: found.lookupId, practitioner: p, details: aFiling() });
    expect(filed).to.include({ state: "sent", toProvince: "320000", division: "110105" });
    expect(await hubCase(filed.caseId)).to.include({ state: "sent", responsibleDivision: "320100", lookupId: found.lookupId });

    expect(await jiangsu.pull()).to.equal(1);
    const received = await jiangsu.exchange.get(jsProvince, filed.caseId);
    expect(received).to.include({ box: "in", state: "delivered", division: "320100", fromProvince: "110000" });
    expect(await hubCase(filed.caseId)).to.include({ state: "delivered" });

    await jiangsu.exchange.answer(jsProvince, filed.caseId, { outcome: "acknowledged" });
    await jiangsu.send();
    await beijing.pull();
    expect((await beijing.exchange.get(bjCounty, filed.caseId)).state).to.equal("acknowledged");
    expect((await jiangsu.exchange.get(jsProvince, filed.caseId)).state).to.equal("acknowledged");
    expect(await hubCase(filed.caseId)).to.include({ state: "acknowledged" });
  });
});
