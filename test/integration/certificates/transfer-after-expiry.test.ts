import { expect } from "chai";
import { createAuditService } from "../../../server/audit/index.js";
import {
  buildStatusList,
  canonicalJson,
  emptyStatusBits,
  loadStatusList,
  sealClaims,
} from "../../../server/certificates/index.js";
import type { SigningService } from "../../../server/certificates/signing.service.js";
import { createTransferIssuance } from "../../../server/certificates/transfer.service.js";
import type { AuthUser } from "../../../server/contracts/auth.js";
import type { CertificateRecord } from "../../../server/contracts/certificates.js";
import { AppError } from "../../../server/lib/errors.js";
import { useTestDatabase } from "../../helpers/database.js";
import { NODE_TIME_ZONE } from "../../helpers/time-zone.js";
import { aNewIdNumber } from "../hub/support.js";
import { aProvinceKey, aTrustList } from "../../unit/certificates/trust-fixtures.js";

const bjOfficer: AuthUser = {
  id: "officer-bj",
  kind: "staff",
  roles: ["officer"],
  displayName: "北京业务员",
  divisionCode: "110000",
  provinceCode: "110000",
};

/** 江苏's certificate (its last valid day `validTo`), signed record and QR, with its key `home`. */
function aJiangsuCertificate(home: ReturnType<typeof aProvinceKey>, validTo: string) {
  const idNumber = aNewIdNumber("320102");
  const issuedAt = "2020-12-07T02:00:00.000Z";
  const record: CertificateRecord = {
    provinceCode: "320000",
    certificateNo: idNumber,
    version: 1,
    serial: `${idNumber}-01`,
    holder: {
      name: "午夜转籍",
      sex: "male",
      birthDate: "1990-01-01",
      idNumber,
      nationality: "中国",
      addressDivisionCode: "320102",
      licenceClass: "A2",
      licenceFirstIssuedOn: "2012-05-01",
    },
    categories: [
      {
        code: "02001",
        name: "道路货物运输驾驶员",
        firstIssuedOn: "2020-12-07",
        attemptId: "attempt-02001",
        chainHash: "ab".repeat(32),
      },
    ],
    issuingAuthority: { divisionCode: "320000", name: "江苏省道路运输管理机构" },
    firstIssuedOn: "2020-12-07",
    issuedAt,
    validFrom: "2020-12-07",
    validTo,
    status: "valid",
    statusReason: null,
    statusChangedAt: issuedAt,
    statusIndex: 4242,
    updatedAt: issuedAt,
  };
  const qr = sealClaims(
    {
      provinceCode: "320000",
      certificateNo: idNumber,
      version: 1,
      name: record.holder.name,
      categories: ["02001"],
      validFrom: record.validFrom,
      validTo,
      issuedAt,
      statusIndex: record.statusIndex,
      chainHash: "ab".repeat(32),
    },
    home.sealing,
  );
  const value = Buffer.from(home.sealing.signer.sign(Buffer.from(canonicalJson(record), "utf8"))).toString(
    "base64url",
  );
  return { record, signature: { suite: home.entry.suite, kid: home.kid, value, qr } };
}

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
    const status = loadStatusList(
      buildStatusList(
        { provinceCode: "320000", bits: emptyStatusBits(), now, validForSeconds: 3600 },
        home.sealing,
      ),
      list.body.keys,
    );
    if (!status) throw new Error("status list did not load");
    const source = aJiangsuCertificate(home, validTo);
    const bj = aProvinceKey("ed25519", "110000");
    const signing = {
      trustContext: () => Promise.resolve({ lists: [list], statusLists: new Map([["320000", status]]) }),
      sealingKey: () =>
        Promise.resolve({
          kid: bj.kid,
          signer: bj.sealing.signer,
          key: { purpose: "certificate", ...bj.entry, privateKey: "" },
        }),
      signRecord: (r: CertificateRecord) => ({
        suite: bj.entry.suite,
        kid: bj.kid,
        value: Buffer.from(bj.sealing.signer.sign(Buffer.from(canonicalJson(r), "utf8"))).toString(
          "base64url",
        ),
      }),
    } as unknown as SigningService;
    const idNumber = source.record.certificateNo;
    const service = createTransferIssuance(db.conn, {
      audit: createAuditService(db.conn),
      signing,
      transfers: {
        accepted: () =>
          Promise.resolve({
            caseId: `case-${idNumber}`,
            idNumber,
            name: source.record.holder.name,
            homeProvince: "320000",
            division: "110000",
            source,
            currentHubRecord: () => Promise.resolve(null),
            agreedAt: null,
          }),
        recordIssued: () => Promise.resolve(),
        kick: () => undefined,
      },
      provinceCode: "110000",
      divisionName: () => "北京市道路运输管理机构",
      clock: () => now,
      timeZone: NODE_TIME_ZONE,
    });
    const outcome = await service.issue(bjOfficer, `case-${idNumber}`).then(
      (record) => ({ record, error: null }),
      (error: unknown) => ({ record: null, error }),
    );
    const written = await db.conn.collection("certificates").countDocuments({ certificateNo: idNumber });
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
