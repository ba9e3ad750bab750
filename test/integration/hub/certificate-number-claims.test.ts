import { expect } from "chai";
import type { LookupAnswer } from "../../../server/contracts/hub.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aCertificate, aCertificateRecord, aNewIdNumber, useHubWithProvinces } from "./support.js";

/**
 * A certificate number names one holder. The hub never checked it: a province published a
 * certificate of X carrying Y's number as valid, and a lookup by certificate number answered both.
 */
describe("hub: one certificate number, one holder", function () {
  this.timeout(60_000);
  const provinceDb = useTestDatabase("hub_certificate_numbers");
  const net = useHubWithProvinces(provinceDb, { jiangsu: "320000", beijing: "110000" });
  const { publish } = net;
  const byNumber = async (certificateNumber: string) => {
    const res = await net.jiangsu.client.call<LookupAnswer>("POST", "/api/hub/v1/catalog/lookups", {
      query: { by: "certificate_number", certificateNumber },
      officerId: "o-1",
      reason: "enforcement",
      caseReference: "核验-1",
    });
    return res.body.matches;
  };

  it("when a province publishes a certificate of X carrying Y's certificate number, then it is refused certificate_number_in_use and a lookup by the number finds Y alone", async () => {
    const y = aNewIdNumber();
    const x = aNewIdNumber("110101");
    expect((await publish(net.jiangsu, [aCertificateRecord({ idNumber: y })]))[0]).to.include({
      outcome: "accepted",
    });
    const [result] = await publish(net.beijing, [aCertificate("110000", x, y)]);
    expect(result?.outcome).to.equal("rejected");
    expect(result?.reasons[0]).to.include({
      code: "certificate_number_in_use",
      field: "certificate.certificateNumber",
    });
    const matches = await byNumber(y);
    expect(matches.map((m) => m.idNumber)).to.deep.equal([y]);
  });

  it("when one batch carries two people's certificates with one number, then the first is accepted and the second refused", async () => {
    const number = `SN-${Date.now()}`;
    const a = aNewIdNumber();
    const b = aNewIdNumber();
    const results = await publish(net.jiangsu, [
      aCertificate("320000", a, number),
      aCertificate("320000", b, number),
    ]);
    expect(results.map((r) => r.outcome).sort()).to.deep.equal(["accepted", "rejected"]);
    expect(results.find((r) => r.outcome === "rejected")?.reasons[0]?.code).to.equal(
      "certificate_number_in_use",
    );
    expect(await byNumber(number)).to.have.length(1);
  });

  it("when two provinces publish one number for two people at once, then exactly one holds it", async () => {
    const number = `SN-RACE-${Date.now()}`;
    const a = aNewIdNumber();
    const b = aNewIdNumber("110101");
    const [ra, rb] = await Promise.all([
      publish(net.jiangsu, [aCertificate("320000", a, number)]),
      publish(net.beijing, [aCertificate("110000", b, number)]),
    ]);
    const outcomes = [ra?.[0], rb?.[0]];
    expect(outcomes.filter((r) => r?.outcome === "accepted")).to.have.length(1);
    // The loser is refused on the winner's number, or told to send again (a write race), and then is.
    const loser = outcomes.find((r) => r?.outcome !== "accepted");
    expect(["certificate_number_in_use", "conflict_retry"]).to.include(loser?.reasons[0]?.code);
    expect(await byNumber(number)).to.have.length(1);
  });

  it("when the holder updates its own certificate with the same number, then it is accepted", async () => {
    const y = aNewIdNumber();
    await publish(net.jiangsu, [aCertificateRecord({ idNumber: y })]);
    expect((await publish(net.jiangsu, [aCertificateRecord({ idNumber: y, version: 2 })]))[0]).to.include({
      outcome: "accepted",
    });
  });

  it("when the certificate that held a number was deleted, then another person's certificate may carry it", async () => {
    const number = `SN-FREED-${Date.now()}`;
    const wrong = aNewIdNumber();
    const right = aNewIdNumber();
    const published = aCertificate("320000", wrong, number);
    expect((await publish(net.jiangsu, [published]))[0]).to.include({ outcome: "accepted" });
    const deleted = { ...published, version: 2, operation: "delete", state: "invalid" };
    expect((await publish(net.jiangsu, [deleted]))[0]).to.include({ outcome: "accepted" });
    expect((await publish(net.jiangsu, [aCertificate("320000", right, number)]))[0]).to.include({
      outcome: "accepted",
    });
  });
});
