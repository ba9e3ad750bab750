import { expect } from "chai";
import { AppError } from "../../../server/lib/errors.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aProvinceKey, aTrustList } from "../../unit/certificates/trust-fixtures.js";
import { aJiangsuRecord, issueAtBeijing, jiangsuStatusList, qrOf, signed } from "./fixtures-transfer.js";

/**
 * A transfer moves a qualification until its last day (China's calendar day, as it is printed); the
 * QR check allows ten minutes of clock drift, so in the first ten minutes of the next day the
 * source passed it and the new certificate (valid from today to the source's last day, yesterday)
 * failed to seal with certificate_date_invalid. It is refused as an expired source, as later.
 */
describe("issuance on a transfer just after midnight China time following the source's last day", function () {
  const db = useTestDatabase("transfer_midnight");

  async function issueAt(now: Date, validTo: string) {
    const home = aProvinceKey("ed25519", "320000");
    const { list } = aTrustList([home.entry], { now });
    // 江苏's certificate (its last valid day `validTo`), its signed record and QR.
    const record = aJiangsuRecord({
      name: "午夜转籍",
      version: 1,
      firstIssuedOn: "2020-12-07",
      issuedAt: "2020-12-07T02:00:00.000Z",
      validFrom: "2020-12-07",
      validTo,
    });
    const source = { record, signature: signed(record, home, qrOf(record, home)) };
    const outcome = await issueAtBeijing(
      db.conn,
      source,
      { lists: [list], status: jiangsuStatusList(home, list, now) },
      now,
    ).then(
      (issued) => ({ record: issued, error: null }),
      (error: unknown) => ({ record: null, error }),
    );
    const written = await db.conn
      .collection("certificates")
      .countDocuments({ certificateNo: record.certificateNo });
    return { ...outcome, written };
  }

  it("when the source's last day was 6 December and it is 00:05 on 7 December in China, then it is refused as an expired source (not certificate_date_invalid) and nothing is written", async () => {
    const { error, written } = await issueAt(new Date("2026-12-06T16:05:00.000Z"), "2026-12-06");
    expect(error).to.be.instanceOf(AppError);
    expect(error).to.include({ code: "source_certificate_unverified", status: 422 });
    expect((error as AppError).details).to.deep.equal({ code: "certificate_expired" });
    expect((error as AppError).message).to.equal("原籍证书核验未通过：证书已于 2026年12月6日 到期");
    expect(written).to.equal(0);
  });

  it("when it is 23:55 on the source's last day in China, then the certificate is issued, valid that one day", async () => {
    const { record, error } = await issueAt(new Date("2026-12-06T15:55:00.000Z"), "2026-12-06");
    expect(error).to.equal(null);
    expect(record).to.include({ validFrom: "2026-12-06", validTo: "2026-12-06" });
  });
});
