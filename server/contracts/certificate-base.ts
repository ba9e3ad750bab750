import { z } from "zod";

/** The certificate vocabulary the record, trust and officer formats share (certificates.ts re-exports it). */

/** Signature suites; named in every payload, key entry and trust-list entry. */
export const SignatureSuite = z.enum(["ed25519", "sm2-sm3"]);
export type SignatureSuite = z.infer<typeof SignatureSuite>;

/**
 * A signature suite as people name it: one name per suite on every page and under the PDF's QR.
 * The wire value stays in the API.
 */
export const SIGNATURE_SUITE_NAMES: Readonly<Record<SignatureSuite, string>> = {
  ed25519: "Ed25519",
  "sm2-sm3": "SM2/SM3",
};

/** 有效 valid / 注销 cancelled / 吊销 revoked / 撤销 withdrawn (JT/T 1290 status values). */
export const CertificateStatus = z.enum(["valid", "cancelled", "revoked", "withdrawn"]);
export type CertificateStatus = z.infer<typeof CertificateStatus>;
export const CERTIFICATE_STATUS_LABELS: Record<CertificateStatus, string> = {
  valid: "有效",
  cancelled: "注销",
  revoked: "吊销",
  withdrawn: "撤销",
};

/** Why a certificate was cancelled (注销): the holder asked, died, reached the age limit, or let it lapse 180 days. */
export const CancellationReason = z.enum([
  "holder_request",
  "death",
  "age",
  "expired_180_days",
  "transferred",
]);
export type CancellationReason = z.infer<typeof CancellationReason>;
export const CANCELLATION_REASON_LABELS: Record<CancellationReason, string> = {
  holder_request: "本人申请",
  death: "持证人死亡",
  age: "超过年龄限制",
  expired_180_days: "有效期届满 180 日未换证",
  transferred: "转籍",
};
/**
 * What an officer may cancel for by hand: 转籍 is written only by a transfer (with the new
 * province's certificate beside it); by hand it told the hub of a transfer no province made.
 */
export const ManualCancellationReason = CancellationReason.exclude(["transferred"]);
export type ManualCancellationReason = z.infer<typeof ManualCancellationReason>;

/** 有效期届满后 180 日内未换证的注销: the days after expiry a certificate still stands (late renewal). */
export const CANCEL_AFTER_EXPIRY_DAYS = 180;
