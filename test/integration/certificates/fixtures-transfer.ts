import { expect } from "chai";
import type { Connection } from "mongoose";
import { createAuditService } from "../../../server/audit/index.js";
import {
  buildStatusList,
  canonicalJson,
  emptyStatusBits,
  loadStatusList,
  sealClaims,
  type LoadedStatusList,
  type LoadedTrustList,
} from "../../../server/certificates/index.js";
import { qrClaimsOf } from "../../../server/certificates/record.js";
import type { SigningService } from "../../../server/certificates/signing.service.js";
import { createTransferIssuance } from "../../../server/certificates/transfer.service.js";
import type { AcceptedTransfer } from "../../../server/certificates/transfer.ports.js";
import type { AuthUser } from "../../../server/contracts/auth.js";
import type { CertificateRecord } from "../../../server/contracts/certificates.js";
import { AppError } from "../../../server/lib/errors.js";
import { NODE_TIME_ZONE } from "../../helpers/time-zone.js";
import { aProvinceKey } from "../../unit/certificates/trust-fixtures.js";
import { aNewIdNumber } from "../hub/support.js";

type ProvinceKey = ReturnType<typeof aProvinceKey>;

/** 北京's officer who issues on a transfer into 北京. */
export const bjOfficer: AuthUser = {
  id: "officer-bj",
  kind: "staff",
  roles: ["officer"],
  displayName: "北京业务员",
  divisionCode: "110000",
  provinceCode: "110000",
};

/**
 * A freight-driver (02001) certificate record of 江苏 for a new holder (a fresh ID number), with
 * the dates and version given; status index 4242.
 */
export function aJiangsuRecord(r: {
  name: string;
  version: number;
  firstIssuedOn: string;
  issuedAt: string;
  validFrom: string;
  validTo: string;
}): CertificateRecord {
  const idNumber = aNewIdNumber("320102");
  return {
    provinceCode: "320000",
    certificateNo: idNumber,
    version: r.version,
    serial: `${idNumber}-${String(r.version).padStart(2, "0")}`,
    holder: {
      name: r.name,
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
        firstIssuedOn: r.firstIssuedOn,
        attemptId: "attempt-02001",
        chainHash: "ab".repeat(32),
      },
    ],
    issuingAuthority: { divisionCode: "320000", name: "江苏省道路运输管理机构" },
    firstIssuedOn: r.firstIssuedOn,
    issuedAt: r.issuedAt,
    validFrom: r.validFrom,
    validTo: r.validTo,
    status: "valid",
    statusReason: null,
    statusChangedAt: r.issuedAt,
    statusIndex: 4242,
    updatedAt: r.issuedAt,
  };
}

/** 江苏's status list (every entry valid) made at `generatedAt` and signed with `key`, as a verifier loads it. */
export function jiangsuStatusList(
  key: ProvinceKey,
  list: LoadedTrustList,
  generatedAt: Date,
  validForSeconds = 3600,
): LoadedStatusList {
  const status = loadStatusList(
    buildStatusList(
      { provinceCode: "320000", bits: emptyStatusBits(), now: generatedAt, validForSeconds },
      key.sealing,
    ),
    list.body.keys,
  );
  if (!status) throw new Error("status list did not load");
  return status;
}

/**
 * The QR text of `record` sealed with `key`: what the holder's card says (its claims laid out as
 * issuing lays them out, so the card and the record agree unless a test makes them differ).
 */
export const qrOf = (record: CertificateRecord, key: ProvinceKey) =>
  sealClaims(qrClaimsOf(record, "ab".repeat(32)), key.sealing);

/** The home's signature of `record` made with `key`, beside the card's `qr`. */
export const signed = (record: CertificateRecord, key: ProvinceKey, qr: string) => ({
  suite: key.entry.suite,
  kid: key.kid,
  value: Buffer.from(key.sealing.signer.sign(Buffer.from(canonicalJson(record), "utf8"))).toString(
    "base64url",
  ),
  qr,
});

/**
 * 北京's transfer issuance over `source`, verifying with `lists` and 江苏's status list, on a node
 * whose zone (TIME_ZONE) is `timeZone`, at `now`; 北京 seals with a key of its own.
 */
export async function issueAtBeijing(
  conn: Connection,
  source: AcceptedTransfer["source"],
  trust: { lists: LoadedTrustList[]; status: LoadedStatusList },
  now: Date,
  timeZone = NODE_TIME_ZONE,
  statusIndexSource?: (capacity: number) => number,
): Promise<CertificateRecord> {
  const record = source?.record;
  if (!record) throw new Error("no source");
  const bj = aProvinceKey("ed25519", "110000");
  const signing = {
    trustContext: () =>
      Promise.resolve({ lists: trust.lists, statusLists: new Map([["320000", trust.status]]) }),
    sealingKey: () =>
      Promise.resolve({
        kid: bj.kid,
        signer: bj.sealing.signer,
        key: { purpose: "certificate", ...bj.entry, privateKey: "" },
      }),
    signRecord: (r: CertificateRecord) => ({
      suite: bj.entry.suite,
      kid: bj.kid,
      value: Buffer.from(bj.sealing.signer.sign(Buffer.from(canonicalJson(r), "utf8"))).toString("base64url"),
    }),
  } as unknown as SigningService;
  const service = createTransferIssuance(conn, {
    audit: createAuditService(conn),
    signing,
    transfers: {
      accepted: () =>
        Promise.resolve({
          caseId: `case-${record.certificateNo}`,
          idNumber: record.certificateNo,
          name: record.holder.name,
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
    timeZone,
    statusIndexSource,
  });
  return service.issue(bjOfficer, `case-${record.certificateNo}`);
}

/** The AppError `issuance` was refused with; an issuance that goes through fails the test. */
export async function refusal(issuance: Promise<unknown>): Promise<AppError> {
  const err = await issuance.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "the issuance was refused").to.be.instanceOf(AppError);
  return err as AppError;
}
