import { expect } from "chai";
import type { HomeContestListDto } from "../../../server/contracts/hub.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aCertificateRecord, aNewIdNumber, useHubWithProvinces, type RegisteredProvince } from "./support.js";

/**
 * Between the home deleting a practitioner's last record (a correction) and adding it again in a
 * later round, any other province could publish the person and become their home. The deleted
 * pointer keeps its home for a grace period: only the former home re-adds within it; another
 * province's record is refused home_contested and recorded for the operator, who may reassign.
 */
describe("hub: a deleted practitioner's home during the grace period", function () {
  this.timeout(60_000);
  const provinceDb = useTestDatabase("hub_deleted_grace");
  const net = useHubWithProvinces(provinceDb, { jiangsu: "320000", guangdong: "440000" });
  const { pointer } = net;
  const publish = async (who: RegisteredProvince, record: unknown) => (await net.publish(who, [record]))[0];

  /** 江苏 publishes the person's certificate, then deletes it (to re-add it corrected later). */
  async function deletedByJiangsu(idNumber: string) {
    const cert = aCertificateRecord({ idNumber });
    expect(await publish(net.jiangsu, cert)).to.include({ outcome: "accepted" });
    expect(
      await publish(net.jiangsu, { ...cert, version: 2, operation: "delete", state: "invalid" }),
    ).to.include({
      outcome: "accepted",
    });
    expect(await pointer(idNumber)).to.include({ live: false, homeProvince: "320000" });
  }
  const gdCertificate = (idNumber: string) => ({
    ...aCertificateRecord({ province: "440000", idNumber }),
    issuingDivision: "440000",
  });

  it("when another province publishes the person right after the home deleted them, then it is refused home_contested and the home stays; the home re-adds the person", async () => {
    const idNumber = aNewIdNumber();
    await deletedByJiangsu(idNumber);
    const refused = await publish(net.guangdong, gdCertificate(idNumber));
    expect(refused?.reasons[0]?.code).to.equal("home_contested");
    expect(await pointer(idNumber)).to.include({ homeProvince: "320000", live: false });
    const contests = ((await net.operator.agent.get("/api/hub/home-contests")).body as HomeContestListDto)
      .contests;
    expect(contests.find((c) => c.idNumber === idNumber)).to.include({
      claimant: "440000",
      homeProvince: "320000",
    });

    const readded = { ...aCertificateRecord({ idNumber }), recordId: `cert-fixed:${idNumber}` };
    expect(await publish(net.jiangsu, readded)).to.include({ outcome: "accepted" });
    expect(await pointer(idNumber)).to.include({ homeProvince: "320000", live: true });
  });

  it("when the operator reassigns such a contest, then the claimant becomes home and its record is accepted", async () => {
    const idNumber = aNewIdNumber();
    await deletedByJiangsu(idNumber);
    await publish(net.guangdong, gdCertificate(idNumber));
    const contests = ((await net.operator.agent.get("/api/hub/home-contests")).body as HomeContestListDto)
      .contests;
    const contest = contests.find((c) => c.idNumber === idNumber);
    const res = await net.operator.agent
      .post(`/api/hub/home-contests/${contest!.contestId}/reassign`)
      .send({ reason: "江苏省已确认该人员不属本省" });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(await publish(net.guangdong, gdCertificate(idNumber))).to.include({ outcome: "accepted" });
    expect(await pointer(idNumber)).to.include({ homeProvince: "440000", live: true });
  });

  it("when the grace period has passed, then another province's record is accepted and it becomes the home", async () => {
    const idNumber = aNewIdNumber();
    await deletedByJiangsu(idNumber);
    await net.hub.node.ctx.conn
      .collection("hub_practitioners")
      .updateOne({ idNumber }, { $set: { updatedAt: new Date(Date.now() - 31 * 86_400_000) } });
    expect(await publish(net.guangdong, gdCertificate(idNumber))).to.include({ outcome: "accepted" });
    expect(await pointer(idNumber)).to.include({ homeProvince: "440000", live: true });
  });
});
