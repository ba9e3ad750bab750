import { expect } from "chai";
import { useTestDatabase } from "../../helpers/database.js";
import { aCertificate, aNewIdNumber, useHubWithProvinces } from "./support.js";

/**
 * Two people sharing a certificate number from before the hub claimed numbers: the check ran on
 * every update of a record already held, found the other's pointer, and refused each holder's
 * updates (even a revocation) certificate_number_in_use for good. A person's own record already
 * carrying the number is theirs to keep updating; only a new holder of the number is refused.
 */
describe("hub: certificate numbers shared before claims existed", function () {
  this.timeout(60_000);
  const provinceDb = useTestDatabase("hub_certificate_numbers_shared");
  const net = useHubWithProvinces(provinceDb, { jiangsu: "320000", beijing: "110000" });
  const { publish } = net;

  /** X (江苏) and Y (北京) both holding `number`, as the hub accepted them before claims: no claim of it. */
  async function seedSharedNumber(number: string) {
    const x = aNewIdNumber();
    const y = aNewIdNumber("110101");
    expect((await publish(net.jiangsu, [aCertificate("320000", x, number)]))[0]).to.include({
      outcome: "accepted",
    });
    const ownNumber = `OWN-${y}`;
    expect((await publish(net.beijing, [aCertificate("110000", y, ownNumber)]))[0]).to.include({
      outcome: "accepted",
    });
    const db = net.hub.node.ctx.conn;
    await db
      .collection("hub_records")
      .updateMany({ idNumber: y }, { $set: { "record.certificate.certificateNumber": number } });
    await db
      .collection("hub_practitioners")
      .updateOne({ idNumber: y }, { $set: { certificateNumber: number } });
    await db.collection("hub_certificate_numbers").deleteMany({ _id: { $in: [number, ownNumber] } as never });
    return { x, y };
  }

  it("when two people share a certificate number from before claims, then an update and a revocation from each holder's province are accepted", async () => {
    const number = `SHARED-${Date.now()}`;
    const { x, y } = await seedSharedNumber(number);
    const [yUpdate] = await publish(net.beijing, [aCertificate("110000", y, number, 2)]);
    expect(yUpdate, JSON.stringify(yUpdate)).to.include({ outcome: "accepted" });
    const [xUpdate] = await publish(net.jiangsu, [aCertificate("320000", x, number, 2)]);
    expect(xUpdate, JSON.stringify(xUpdate)).to.include({ outcome: "accepted" });
    const [yRevoked] = await publish(net.beijing, [aCertificate("110000", y, number, 3, "revoked")]);
    expect(yRevoked, JSON.stringify(yRevoked)).to.include({ outcome: "accepted" });
    const [xRevoked] = await publish(net.jiangsu, [aCertificate("320000", x, number, 3, "revoked")]);
    expect(xRevoked, JSON.stringify(xRevoked)).to.include({ outcome: "accepted" });
  });

  it("when two people share a number from before claims, then a third person's certificate with it is still refused certificate_number_in_use", async () => {
    const number = `SHARED3-${Date.now()}`;
    await seedSharedNumber(number);
    const z = aNewIdNumber();
    const [result] = await publish(net.jiangsu, [aCertificate("320000", z, number)]);
    expect(result?.outcome).to.equal("rejected");
    expect(result?.reasons[0]?.code).to.equal("certificate_number_in_use");
  });

  it("when a holder's own record already carries a number, then a new record of the same person moving to another person's number is still refused", async () => {
    const number = `SHARED4-${Date.now()}`;
    const { x } = await seedSharedNumber(number);
    const other = aNewIdNumber();
    const otherNumber = `OTHER-${other}`;
    expect((await publish(net.jiangsu, [aCertificate("320000", other, otherNumber)]))[0]).to.include({
      outcome: "accepted",
    });
    const [result] = await publish(net.jiangsu, [aCertificate("320000", x, otherNumber, 4)]);
    expect(result?.outcome).to.equal("rejected");
    expect(result?.reasons[0]?.code).to.equal("certificate_number_in_use");
  });
});
