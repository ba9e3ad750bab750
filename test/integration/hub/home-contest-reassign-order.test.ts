import { expect } from "chai";
import type { HomeContestListDto, QualificationRecord } from "../../../server/contracts/hub.js";
import { useTestDatabase } from "../../helpers/database.js";
import {
  aCertificateRecord,
  aNewIdNumber,
  useHubWithProvinces,
  type RegisteredProvince,
  aCancelledCertificateRecord,
} from "./support.js";

/**
 * The operator's reassignment of a contested home moves it as an agreed transfer does, so it is
 * ordered with the exchange's cases of the person the same way: without the per-person order write,
 * a case checked against the old home just before the reassignment committed went to the former
 * home. And the home goes only to a claimant whose node may still write.
 */
describe("hub: reassigning a contested home", function () {
  this.timeout(60_000);
  const provinceDb = useTestDatabase("hub_home_contest_reassign");
  const net = useHubWithProvinces(provinceDb, { jiangsu: "320000", guangdong: "440000", hainan: "460000" });
  const publish = async (who: RegisteredProvince, record: unknown) => {
    const [result] = await net.publish(who, [record]);
    if (!result) throw new Error("no result");
    return result;
  };
  const aCancelledCertificate = (idNumber: string): QualificationRecord =>
    aCancelledCertificateRecord({ province: "320000", idNumber, name: "周滞留" });
  const claimantsCertificate = (province: string, idNumber: string): QualificationRecord => ({
    ...aCertificateRecord({ province, idNumber, name: "周滞留" }),
    issuingDivision: province,
    recordId: `claim-cert:${province}:${idNumber}`,
  });
  async function aContest(
    claimant: RegisteredProvince,
    code: string,
  ): Promise<{ idNumber: string; contestId: string }> {
    const idNumber = aNewIdNumber();
    expect(await publish(net.jiangsu, aCancelledCertificate(idNumber))).to.include({ outcome: "accepted" });
    expect((await publish(claimant, claimantsCertificate(code, idNumber))).reasons[0]?.code).to.equal(
      "home_contested",
    );
    const res = await net.operator.agent.get("/api/hub/home-contests?state=open");
    const contest = (res.body as HomeContestListDto).contests.find((c) => c.idNumber === idNumber);
    if (!contest) throw new Error("no contest");
    return { idNumber, contestId: contest.contestId };
  }
  const reassign = (contestId: string) =>
    net.operator.agent
      .post(`/api/hub/home-contests/${contestId}/reassign`)
      .send({ reason: "江苏省存量数据中的证件已注销，提出省份核发的证件有效" });

  it("when the operator reassigns a contested home, then the exchange's per-person order records the move to the claimant", async () => {
    const { idNumber, contestId } = await aContest(net.guangdong, "440000");
    const orders = net.hub.node.ctx.conn.collection<{ _id: string; changes: number; home?: string }>(
      "exchange_person_order",
    );
    const before = (await orders.findOne({ _id: idNumber }))?.changes ?? 0;
    const res = await reassign(contestId);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const order = await orders.findOne({ _id: idNumber });
    expect(order).to.include({ home: "440000", changes: before + 1 });
  });

  it("when the claimant's node is suspended, then the reassignment is refused claimant_not_active and the home and contest stay", async () => {
    const { idNumber, contestId } = await aContest(net.hainan, "460000");
    await net.hub.registry.setStatus("460000", "suspended");
    try {
      const res = await reassign(contestId);
      expect(res.status, JSON.stringify(res.body)).to.equal(409);
      expect(res.body.error?.code).to.equal("claimant_not_active");
      expect(res.body.error?.message).to.match(/[\u4e00-\u9fff]/);
      expect(await net.pointer(idNumber)).to.include({ homeProvince: "320000" });
      const open = await net.operator.agent.get("/api/hub/home-contests?state=open");
      expect((open.body as HomeContestListDto).contests.find((c) => c.contestId === contestId)).to.include({
        state: "open",
      });
      expect(
        await net.hub.node.ctx.conn.collection("exchange_person_order").findOne({ _id: idNumber as never }),
      ).to.equal(null);
    } finally {
      await net.hub.registry.setStatus("460000", "active");
    }
  });
});
