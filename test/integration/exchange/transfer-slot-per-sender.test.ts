import { expect } from "chai";
import type { CaseReceipt } from "../../../server/contracts/exchange.js";
import { useTestDatabase } from "../../helpers/database.js";
import { refusalOf } from "./fixtures-exchange.js";
import {
  aCertifiedPractitioner,
  anOfficer,
  aProvince,
  useExchangeNetwork,
  type TestProvince,
} from "./support.js";

/**
 * A practitioner had one open-transfer slot at the hub, whoever held it: any province could ask for
 * a transfer it never meant to finish and keep the person from moving anywhere else, and after each
 * refusal post again citing the same lookup. The slot is per sending province, a second agreement
 * finds the home already moved, and a lookup that backed a refused transfer backs no other.
 */
describe("cross-province exchange: the open-transfer slot per sending province", () => {
  const net = useExchangeNetwork();
  const gdDb = useTestDatabase("prov_gd_slot");
  let guangdong: TestProvince;
  before(async () => {
    guangdong = await aProvince(net.hub, "440000", gdDb.conn);
  });
  const bjOfficer = anOfficer("110000", "北京市厅业务员");
  const gdOfficer = anOfficer("440000", "广东省厅业务员");
  const jsOfficer = { id: "js-officer", name: "江苏省厅业务员", divisionCode: "320000" };

  const askTransfer = (
    from: TestProvince,
    officer: typeof bjOfficer,
    p: { idNumber: string; name: string },
    lookupId: string,
  ) => from.exchange.transfer(officer, { lookupId, practitioner: p, details: { reason: "户籍迁入" } });
  /** 江苏's answer, straight to the hub (its node holds no certificate: the hub's record is sent on). */
  const answer = (caseId: string, body: Record<string, unknown>) =>
    net.jiangsu.client.call<CaseReceipt>("POST", `/api/hub/v1/exchange/cases/${caseId}/answer`, {
      ...body,
      officer: jsOfficer,
    });
  const pointer = (idNumber: string) =>
    net.hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber });

  it("when 北京 holds an open transfer, then 广东 may still ask for one; once 江苏 agrees to 北京's, agreeing to 广东's is refused home_moved", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈占位" });
    const bj = await askTransfer(
      net.beijing,
      bjOfficer,
      p,
      (await net.beijing.lookup(bjOfficer, p.idNumber)).lookupId,
    );
    expect(bj.state).to.equal("sent");
    const gd = await askTransfer(
      guangdong,
      gdOfficer,
      p,
      (await guangdong.lookup(gdOfficer, p.idNumber)).lookupId,
    );
    expect(gd.state).to.equal("sent");
    await net.jiangsu.pull();

    expect((await answer(bj.caseId, { outcome: "acknowledged" })).status).to.equal(200);
    const second = await answer(gd.caseId, { outcome: "acknowledged" });
    expect(second.status, second.rawBody).to.equal(409);
    expect(second.error?.code).to.equal("home_moved");
    expect(await pointer(p.idNumber)).to.include({ homeProvince: "110000" });
  });

  it("when 江苏 answers 北京's transfer with a problem, then 北京 citing the same lookup again is refused lookup_used, and a fresh lookup backs a new transfer", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈重投" });
    const lookupId = (await net.beijing.lookup(bjOfficer, p.idNumber)).lookupId;
    const first = await askTransfer(net.beijing, bjOfficer, p, lookupId);
    await net.jiangsu.pull();
    const refused = await answer(first.caseId, {
      outcome: "problem",
      problem: { code: "identity_mismatch", note: "户籍信息不符" },
    });
    expect(refused.status, refused.rawBody).to.equal(200);
    await net.beijing.pull();

    const again = await refusalOf(askTransfer(net.beijing, bjOfficer, p, lookupId));
    expect(again.code).to.equal("lookup_used");
    expect(
      await net.hub.node.ctx.conn
        .collection("exchange_cases")
        .countDocuments({ idNumber: p.idNumber, kind: "transfer" }),
    ).to.equal(1);

    const fresh = await askTransfer(
      net.beijing,
      bjOfficer,
      p,
      (await net.beijing.lookup(bjOfficer, p.idNumber)).lookupId,
    );
    expect(fresh.state).to.equal("sent");
  });
});
