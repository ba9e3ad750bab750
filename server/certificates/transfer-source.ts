/**
 * What makes the home province's signed certificate record, sent with its agreement to a transfer,
 * a record this node may issue from (transfer.service.ts). The record's signature alone is not
 * enough: a key the home rotated out (after a leak, say) stays on the trust lists so that the cards
 * it signed still verify, and a record signed with it could otherwise be paired with the holder's
 * genuine current card to carry over categories and a validity the home never gave.
 */
import type { CertificateRecord, RecordSignature } from "../contracts/certificates.js";
import { errors } from "../lib/errors.js";
import { canonicalJson } from "./crypto/signed-document.js";
import { createVerifier } from "./crypto/suites.js";
import { trustState, type LoadedTrustList } from "./crypto/trust-list.js";
import { keyCoversIssue } from "./crypto/verify-qr.js";

/** The QR claims a record is held to (the verified card in the holder's hands). */
export interface CardClaims {
  provinceCode: string;
  certificateNo: string;
  version: number;
  name: string;
  categories: readonly string[];
  validFrom: string;
  validTo: string;
  issuedAt: string;
  statusIndex: number;
}

/**
 * Whether `signature` over `record` is the home province's: made by a key of `homeProvince` on a
 * trust list still in force at `now` (an expired cached copy vouches for nothing), and in use when
 * the record was issued (the rule every verifier applies to a QR's key, `keyCoversIssue`; a valid
 * record is signed once, at issue, by the key that seals its QR: record.ts `sealAndSign`).
 */
export function signedByHome(
  lists: readonly LoadedTrustList[],
  record: CertificateRecord,
  signature: Pick<RecordSignature, "kid" | "suite" | "value">,
  homeProvince: string,
  now: Date,
): boolean {
  const bytes = Buffer.from(canonicalJson(record), "utf8");
  const value = Buffer.from(signature.value, "base64url");
  return lists
    .filter((l) => trustState(l, now).state !== "expired")
    .flatMap((l) => l.body.keys)
    .some(
      (k) =>
        k.kid === signature.kid &&
        k.suite === signature.suite &&
        k.provinceCode === homeProvince &&
        keyCoversIssue(k, record.issuedAt) &&
        createVerifier(k.suite, k.publicKey).verify(bytes, value),
    );
}

/** The fields in which `record` says otherwise than the verified card `claims`; empty when they agree. */
export function recordCardMismatches(record: CertificateRecord, claims: CardClaims): string[] {
  const codes = (xs: readonly string[]) => [...new Set(xs)].sort().join(",");
  // The QR carries the issue time in whole seconds.
  const second = (iso: string) => Math.floor(Date.parse(iso) / 1000);
  const checks: [string, boolean][] = [
    ["provinceCode", record.provinceCode === claims.provinceCode],
    ["certificateNo", record.certificateNo === claims.certificateNo],
    ["version", record.version === claims.version],
    ["holder.name", record.holder.name === claims.name],
    ["categories", codes(record.categories.map((c) => c.code)) === codes(claims.categories)],
    ["validFrom", record.validFrom === claims.validFrom],
    ["validTo", record.validTo === claims.validTo],
    ["issuedAt", second(record.issuedAt) === second(claims.issuedAt)],
    ["statusIndex", record.statusIndex === claims.statusIndex],
  ];
  return checks.filter(([, same]) => !same).map(([field]) => field);
}

/**
 * Refuses a record that says otherwise than the card: the new certificate takes its categories,
 * validity and holder from the record, which must then be the card's version, not another's.
 */
export function refuseRecordCardMismatch(record: CertificateRecord, claims: CardClaims): void {
  const fields = recordCardMismatches(record, claims);
  if (fields.length > 0)
    throw errors.unprocessable(
      "source_record_mismatch",
      "原籍省份的证书记录与持证人证件二维码载明的内容（版本、类别、有效期、签发时间、状态位或姓名）不一致，不能据以换发；请原籍省份核实其证书",
      { fields },
    );
}
