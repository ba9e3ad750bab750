import { expect } from "chai";
import { useTestDatabase } from "../../helpers/database.js";
import { aCertificateRecord, aNewIdNumber, aPassRecord, useHubWithProvinces } from "./support.js";

/**
 * A practitioner whose every record was deleted (a pass published under a mistyped ID number, then
 * voided) has no home: the pointer stays for the change feed, but it speaks for nobody. Kept as the
 * deleting province's, it refused the person's real home province not_home_province for ever.
 */
describe("a practitioner whose records were all deleted", function () {
  this.timeout(60_000);
  const provinceDb = useTestDatabase("hub_deleted_home");
  const net = useHubWithProvinces(provinceDb, { beijing: "110000", jiangsu: "320000" });
  const { publish, pointer } = net;

  /** 北京 publishes a pass for `idNumber`, then deletes it, long enough ago: the pointer is left not live. */
  async function aPassPublishedThenDeleted(idNumber: string) {
    const pass = aPassRecord({ province: "110000", idNumber });
    expect((await publish(net.beijing, [pass]))[0]).to.include({ outcome: "accepted" });
    const deleted = { ...pass, version: 2, operation: "delete", state: "invalid" };
    expect((await publish(net.beijing, [deleted]))[0]).to.include({ outcome: "accepted" });
    expect(await pointer(idNumber)).to.include({ live: false, homeProvince: "110000" });
    // Past the grace period that keeps a deleted person's home (deleted-pointer-grace.test.ts).
    await net.hub.node.ctx.conn
      .collection("hub_practitioners")
      .updateOne({ idNumber }, { $set: { updatedAt: new Date(Date.now() - 31 * 86_400_000) } });
  }

  it("when another province then publishes the person's real record, then it is accepted and becomes the home", async () => {
    const idNumber = aNewIdNumber();
    await aPassPublishedThenDeleted(idNumber);
    const [result] = await publish(net.jiangsu, [aCertificateRecord({ idNumber })]);
    expect(result, JSON.stringify(result)).to.include({ outcome: "accepted" });
    expect(await pointer(idNumber)).to.include({
      live: true,
      homeProvince: "320000",
      certificateStatus: "valid",
    });
    const change = await net.hub.node.ctx.conn
      .collection("hub_changes")
      .findOne({ idNumber, sourceProvince: "320000" });
    expect(change).to.include({ homeProvince: "320000" });
  });

  it("when the new home holds the person, then the province that deleted its record may no longer add new ones", async () => {
    const idNumber = aNewIdNumber();
    await aPassPublishedThenDeleted(idNumber);
    await publish(net.jiangsu, [aCertificateRecord({ idNumber })]);
    const [result] = await publish(net.beijing, [aPassRecord({ province: "110000", idNumber })]);
    expect(result?.reasons[0]?.code).to.equal("not_home_province");
    expect(await pointer(idNumber)).to.include({ homeProvince: "320000" });
  });
});
