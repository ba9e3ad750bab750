import { expect } from "chai";
import type { QualificationRecord } from "../../../server/contracts/hub.js";
import { createHubExchangePort } from "../../../server/hub/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import {
  aCertificateRecord,
  aNewIdNumber,
  aPassRecord,
  useHubWithProvinces,
  type RegisteredProvince,
} from "./support.js";

/**
 * One certificate per person across provinces: after a transfer (转籍) the former home may still
 * update the records it published (a revocation, its cancellation, a correction), but it must not
 * turn its cancelled certificate back to valid while another province is home. The province side
 * no longer sends that (lifecycle.ts, holder_transferred_away), but another province's software,
 * written against the OpenAPI document, still could; the hub then held two valid certificates of
 * one person and a lookup could show both.
 */
describe("hub: a former home's certificate after a transfer", function () {
  this.timeout(60_000);
  const provinceDb = useTestDatabase("hub_former_home_revalidation");
  const net = useHubWithProvinces(provinceDb, { jiangsu: "320000", beijing: "110000" });
  const { pointer } = net;
  const publish = async (who: RegisteredProvince, record: unknown) => {
    const [result] = await net.publish(who, [record]);
    if (!result) throw new Error("no result");
    return result;
  };
  const validCertificates = (idNumber: string) =>
    net.hub.node.ctx.conn
      .collection("hub_records")
      .countDocuments({ idNumber, recordType: "certificate", "record.state": "valid" });

  /** 江苏's certificate of the person at `version`, with the status given. */
  const jiangsus = (
    idNumber: string,
    version: number,
    status: "valid" | "cancelled" | "revoked",
  ): QualificationRecord => {
    const r = aCertificateRecord({ province: "320000", idNumber, version, name: "钱转籍" });
    return {
      ...r,
      state: status === "valid" ? "valid" : "invalid",
      certificate: { ...r.certificate!, status },
    };
  };
  const beijings = (idNumber: string, version = 1): QualificationRecord => ({
    ...aCertificateRecord({ province: "110000", idNumber, version, name: "钱转籍" }),
    recordId: `bj-cert:${idNumber}`,
    issuingDivision: "110000",
    certificate: { ...aCertificateRecord({ idNumber }).certificate!, issuingAuthority: "北京市交通委员会" },
  });

  /** 江苏 certified the person; an agreed transfer moved the home to 北京. */
  const transferredToBeijing = async (): Promise<string> => {
    const idNumber = aNewIdNumber();
    expect(await publish(net.jiangsu, jiangsus(idNumber, 1, "valid"))).to.include({ outcome: "accepted" });
    await net.hub.node.ctx.conn.transaction(async (session) => {
      const moved = await createHubExchangePort(net.hub.node.ctx.conn).moveHome(
        idNumber,
        "320000",
        "110000",
        `t-${idNumber}`,
        session,
      );
      expect(moved).to.equal(true);
    });
    return idNumber;
  };

  it("when the former home turns its cancelled certificate back to valid while the new home holds a valid one, then it is refused not_home_province and the hub keeps one valid certificate", async () => {
    const idNumber = await transferredToBeijing();
    expect(await publish(net.beijing, beijings(idNumber))).to.include({ outcome: "accepted" });
    expect(await publish(net.jiangsu, jiangsus(idNumber, 2, "cancelled"))).to.include({
      outcome: "accepted",
    });

    const refused = await publish(net.jiangsu, jiangsus(idNumber, 3, "valid"));
    expect(refused.outcome).to.equal("rejected");
    expect(refused.reasons[0]).to.include({ code: "not_home_province", field: "sourceProvince" });
    expect(await validCertificates(idNumber)).to.equal(1);
    expect(await pointer(idNumber)).to.include({ homeProvince: "110000", certificateStatus: "valid" });
    const held = await net.hub.node.ctx.conn
      .collection("hub_records")
      .findOne({ sourceProvince: "320000", recordId: `cert:${idNumber}` });
    expect(held).to.deep.include({ version: 2 });
  });

  it("when the former home revives its cancelled certificate while the new home holds no valid certificate, then it is refused home_contested and the contest is recorded", async () => {
    const idNumber = await transferredToBeijing();
    // 北京 published only a pass of the person so far: the home holds no valid certificate.
    await publish(net.beijing, aPassRecord({ province: "110000", idNumber, name: "钱转籍" }));
    expect(await publish(net.jiangsu, jiangsus(idNumber, 2, "cancelled"))).to.include({
      outcome: "accepted",
    });

    const refused = await publish(net.jiangsu, jiangsus(idNumber, 3, "valid"));
    expect(refused.outcome).to.equal("rejected");
    expect(refused.reasons[0]?.code).to.equal("home_contested");
    expect(await validCertificates(idNumber)).to.equal(0);
    const contest = await net.hub.node.ctx.conn
      .collection("hub_home_contests")
      .findOne({ idNumber, claimant: "320000", state: "open" });
    expect(contest).to.include({ homeProvince: "110000", recordType: "certificate" });
  });

  it("when the former home publishes a new valid certificate record while another province is home, then it is refused not_home_province", async () => {
    const idNumber = await transferredToBeijing();
    expect(await publish(net.beijing, beijings(idNumber))).to.include({ outcome: "accepted" });
    const fresh = { ...jiangsus(idNumber, 1, "valid"), recordId: `reissued:${idNumber}` };
    const refused = await publish(net.jiangsu, fresh);
    expect(refused.reasons[0]?.code).to.equal("not_home_province");
    const held = net.hub.node.ctx.conn.collection("hub_records");
    expect(await held.countDocuments({ recordId: `reissued:${idNumber}` })).to.equal(0);
  });

  it("when the former home cancels, then corrects and revokes its certificate after a transfer, and the new home renews its own, then every update is accepted", async () => {
    const idNumber = await transferredToBeijing();
    expect(await publish(net.beijing, beijings(idNumber))).to.include({ outcome: "accepted" });
    expect(await publish(net.jiangsu, jiangsus(idNumber, 2, "cancelled"))).to.include({
      outcome: "accepted",
    });
    // A correction of the cancelled record (the holder's name), still invalid.
    const corrected = { ...jiangsus(idNumber, 3, "cancelled"), practitioner: { idNumber, name: "钱传籍" } };
    expect(await publish(net.jiangsu, corrected)).to.include({ outcome: "accepted" });
    expect(await publish(net.jiangsu, jiangsus(idNumber, 4, "revoked"))).to.include({ outcome: "accepted" });
    expect(await publish(net.beijing, beijings(idNumber, 2))).to.include({ outcome: "accepted" });
    expect(await pointer(idNumber)).to.include({ homeProvince: "110000", certificateStatus: "valid" });
  });

  it("when the former home updates its still valid certificate before its cancellation, then the update is accepted", async () => {
    const idNumber = await transferredToBeijing();
    // The transfer's cancellation travels apart from the new home's certificate: until it is sent,
    // the former home's record is valid, and a correction of it keeps it so.
    const corrected = { ...jiangsus(idNumber, 2, "valid"), practitioner: { idNumber, name: "钱传籍" } };
    expect(await publish(net.jiangsu, corrected)).to.include({ outcome: "accepted" });
  });
});
