import { expect } from "chai";
import type { HomeContestListDto, QualificationRecord } from "../../../server/contracts/hub.js";
import { useTestDatabase } from "../../helpers/database.js";
import {
  aCertificateRecord,
  aNewIdNumber,
  aPassRecord,
  useHubWithProvinces,
  type RegisteredProvince,
  aCancelledCertificateRecord,
} from "./support.js";

/**
 * The first province to publish a practitioner stays their home, and only an agreed transfer
 * (which needs a valid certificate) moves it. A province whose old register held the person's
 * cancelled certificate, or any province publishing a pass under an unpublished ID number, held
 * the person for good: their real province was refused not_home_province. Such a record is now
 * refused home_contested and recorded for the hub operator, who reassigns the home, audited.
 */
describe("hub: contested home provinces", function () {
  this.timeout(60_000);
  const provinceDb = useTestDatabase("hub_home_contests");
  const net = useHubWithProvinces(provinceDb, { jiangsu: "320000", guangdong: "440000", beijing: "110000" });
  const { pointer } = net;
  const publish = async (who: RegisteredProvince, record: unknown) => {
    const [result] = await net.publish(who, [record]);
    if (!result) throw new Error("no result");
    return result;
  };
  const contests = async (state = "open") => {
    const res = await net.operator.agent.get(`/api/hub/home-contests?state=${state}`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return (res.body as HomeContestListDto).contests;
  };
  const contestOf = async (idNumber: string) => (await contests()).find((c) => c.idNumber === idNumber);

  /** 江苏's old register entry of the person: a certificate cancelled (注销) long ago. */
  const aCancelledCertificate = (idNumber: string): QualificationRecord =>
    aCancelledCertificateRecord({ province: "320000", idNumber, name: "周滞留" });
  const guangdongsCertificate = (idNumber: string): QualificationRecord => ({
    ...aCertificateRecord({ province: "440000", idNumber, name: "周滞留" }),
    issuingDivision: "440000",
    recordId: `gd-cert:${idNumber}`,
  });

  it("when the home holds only a cancelled certificate and another province publishes a valid one, then it is refused home_contested and the operator sees the contest", async () => {
    const idNumber = aNewIdNumber();
    expect(await publish(net.jiangsu, aCancelledCertificate(idNumber))).to.include({ outcome: "accepted" });
    const refused = await publish(net.guangdong, guangdongsCertificate(idNumber));
    expect(refused.outcome).to.equal("rejected");
    expect(refused.reasons[0]?.code).to.equal("home_contested");
    expect(await pointer(idNumber)).to.include({ homeProvince: "320000", certificateStatus: "cancelled" });
    expect(await contestOf(idNumber)).to.include({
      homeProvince: "320000",
      claimant: "440000",
      recordType: "certificate",
      name: "周滞留",
      state: "open",
      stale: false,
      attempts: 1,
    });
    // A re-send refreshes the one open contest rather than adding another.
    await publish(net.guangdong, guangdongsCertificate(idNumber));
    expect((await contests()).filter((c) => c.idNumber === idNumber)).to.have.length(1);
    expect(await contestOf(idNumber)).to.include({ attempts: 2 });
  });

  it("when a province is refused home_contested, then its receipt says the record is contested and who decides, nothing of the home's certificate", async () => {
    const idNumber = aNewIdNumber();
    const cancelled = aCancelledCertificate(idNumber);
    await publish(net.jiangsu, cancelled);
    const refused = await publish(net.guangdong, guangdongsCertificate(idNumber));
    expect(refused.reasons).to.have.length(1);
    const [reason] = refused.reasons;
    expect(Object.keys(reason!).sort()).to.deep.equal(["code", "field", "message"]);
    expect(reason).to.include({ code: "home_contested", field: "sourceProvince" });
    expect(reason!.message).to.include("主管省份争议").and.include("全国中心");
    // The home's identity and its record are a lookup's to tell (logged, with officer and case).
    const home = cancelled.certificate!;
    for (const told of [
      "320000",
      "江苏",
      home.certificateNumber,
      home.validTo,
      home.issuingAuthority,
      "注销",
      "有效",
    ])
      expect(reason!.message, told).to.not.include(told);
  });

  it("when any province published only an exam pass under an unpublished ID number, then the real province's certificate is refused home_contested, not not_home_province", async () => {
    const idNumber = aNewIdNumber();
    expect(
      await publish(net.beijing, aPassRecord({ province: "110000", idNumber, name: "周滞留" })),
    ).to.include({
      outcome: "accepted",
    });
    const refused = await publish(net.guangdong, guangdongsCertificate(idNumber));
    expect(refused.reasons[0]?.code).to.equal("home_contested");
    expect(await contestOf(idNumber)).to.include({ homeProvince: "110000", claimant: "440000" });
  });

  it("when the home holds a certificate past its validTo, then another province's valid record contests it", async () => {
    const idNumber = aNewIdNumber();
    const r = aCertificateRecord({ province: "320000", idNumber, name: "周滞留" });
    const expired = {
      ...r,
      certificate: {
        ...r.certificate!,
        firstIssueDate: "2014-01-01",
        issueDate: "2014-01-01",
        validFrom: "2014-01-01",
        validTo: "2020-01-01",
      },
    };
    expect(await publish(net.jiangsu, expired)).to.include({ outcome: "accepted" });
    expect((await publish(net.guangdong, guangdongsCertificate(idNumber))).reasons[0]?.code).to.equal(
      "home_contested",
    );
  });

  it("when the home holds a valid certificate, then another province is refused not_home_province and no contest is recorded", async () => {
    const idNumber = aNewIdNumber();
    expect(
      await publish(net.jiangsu, aCertificateRecord({ province: "320000", idNumber, name: "周滞留" })),
    ).to.include({
      outcome: "accepted",
    });
    expect((await publish(net.guangdong, guangdongsCertificate(idNumber))).reasons[0]?.code).to.equal(
      "not_home_province",
    );
    expect(await contestOf(idNumber)).to.equal(undefined);
  });

  it("when the operator reassigns a contested home with a reason, then the claimant becomes home, its re-sent record is accepted, the move is in the feed and audited", async () => {
    const idNumber = aNewIdNumber();
    await publish(net.jiangsu, aCancelledCertificate(idNumber));
    await publish(net.guangdong, guangdongsCertificate(idNumber));
    const contest = await contestOf(idNumber);
    expect(contest).to.not.equal(undefined);

    const noReason = await net.operator.agent
      .post(`/api/hub/home-contests/${contest!.contestId}/reassign`)
      .send({});
    expect(noReason.status).to.equal(400);
    expect(await pointer(idNumber)).to.include({ homeProvince: "320000" });

    const res = await net.operator.agent
      .post(`/api/hub/home-contests/${contest!.contestId}/reassign`)
      .send({ reason: "江苏省存量数据中的证件已注销，广东省核发的证件有效" });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ state: "reassigned", claimant: "440000" });
    const moved = await pointer(idNumber);
    expect(moved).to.include({ homeProvince: "440000" });
    // The former home held no valid certificate: it is not filed to receive the person's changes.
    expect(moved?.filedWith).to.not.include("320000");
    const change = await net.hub.node.ctx.conn
      .collection("hub_changes")
      .findOne({ idNumber, recordType: "transfer" });
    expect(change).to.include({ homeProvince: "440000" });
    const audit = await net.hub.node.ctx.conn
      .collection("audit_log")
      .findOne({ action: "hub.home_reassigned", "target.id": idNumber });
    expect(audit?.details).to.deep.include({ fromProvince: "320000", toProvince: "440000" });

    expect(await publish(net.guangdong, guangdongsCertificate(idNumber))).to.include({ outcome: "accepted" });
    expect(await pointer(idNumber)).to.include({ homeProvince: "440000", certificateStatus: "valid" });
    expect(await contestOf(idNumber)).to.equal(undefined);
    expect((await contests("reassigned")).find((c) => c.idNumber === idNumber)).to.include({
      reason: "江苏省存量数据中的证件已注销，广东省核发的证件有效",
    });

    const again = await net.operator.agent
      .post(`/api/hub/home-contests/${contest!.contestId}/reassign`)
      .send({ reason: "再次改定" });
    expect(again.status).to.equal(409);
    expect(again.body.error?.code).to.equal("contest_closed");
  });

  it("when the pointer changed after the contest was recorded, then the reassignment is refused contest_stale and the home stays", async () => {
    const idNumber = aNewIdNumber();
    await publish(net.jiangsu, aCancelledCertificate(idNumber));
    await publish(net.guangdong, guangdongsCertificate(idNumber));
    const contest = await contestOf(idNumber);
    // 江苏 renews the person meanwhile: the operator's decision rests on records that no longer stand.
    await publish(net.jiangsu, {
      ...aCertificateRecord({ province: "320000", idNumber, name: "周滞留" }),
      recordId: `renewed:${idNumber}`,
    });
    expect(await contestOf(idNumber)).to.include({ stale: true });
    const res = await net.operator.agent
      .post(`/api/hub/home-contests/${contest!.contestId}/reassign`)
      .send({ reason: "依据广东省证件改定" });
    expect(res.status).to.equal(409);
    expect(res.body.error?.code).to.equal("contest_stale");
    expect(await pointer(idNumber)).to.include({ homeProvince: "320000" });
    expect(
      await net.hub.node.ctx.conn
        .collection("audit_log")
        .countDocuments({ action: "hub.home_reassigned", "target.id": idNumber }),
    ).to.equal(0);
  });
});
