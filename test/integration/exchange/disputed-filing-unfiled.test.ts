import { expect } from "chai";
import { lookUpAndFile } from "./fixtures-exchange.js";
import { aCertifiedPractitioner, anOfficer, useExchangeNetwork } from "./support.js";

/**
 * A filing files its sender with the practitioner's pointer, so the sender receives the person's
 * changes. A filing the home disputed (answered with a problem) kept the sender filed until the
 * sender ended it, if ever: the sender went on reading the person's changes on a filing the home
 * had refused. Unfiled at the problem, unless the sender holds another live filing of the person.
 */
describe("cross-province exchange: a filing the home disputes", () => {
  const net = useExchangeNetwork();
  const chaoyang = anOfficer("110105", "朝阳区业务员");
  const dongcheng = anOfficer("110101", "东城区业务员");
  const jsProvince = anOfficer("320000", "江苏省厅业务员");
  const problem = {
    outcome: "problem" as const,
    problem: { code: "identity_mismatch" as const, note: "驾驶证号与本省档案不符" },
  };
  const filedWith = async (idNumber: string) =>
    ((await net.hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber }))?.filedWith ??
      []) as string[];

  it("when 江苏 answers 北京's only filing with a problem, then 北京 is no longer filed with the practitioner", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const { filed } = await lookUpAndFile(net.beijing, chaoyang, p);
    expect(await filedWith(p.idNumber)).to.include("110000");
    await net.jiangsu.pull();
    await net.jiangsu.exchange.answer(jsProvince, filed.caseId, problem);
    await net.jiangsu.send();
    expect(
      await net.hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId: filed.caseId }),
    ).to.include({ state: "problem" });
    expect(await filedWith(p.idNumber)).to.not.include("110000");
  });

  it("when 北京 holds another acknowledged filing of the person, then a problem with one filing keeps 北京 filed", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const { filed: kept } = await lookUpAndFile(net.beijing, dongcheng, p);
    const { filed: disputed } = await lookUpAndFile(net.beijing, chaoyang, p);
    await net.jiangsu.pull();
    await net.jiangsu.exchange.answer(jsProvince, kept.caseId, { outcome: "acknowledged" });
    await net.jiangsu.exchange.answer(jsProvince, disputed.caseId, problem);
    await net.jiangsu.send();
    await net.jiangsu.send();
    expect(
      await net.hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId: disputed.caseId }),
    ).to.include({ state: "problem" });
    expect(await filedWith(p.idNumber)).to.include("110000");
  });
});
