import { createPublicKey, verify } from "node:crypto";
import { MonthReport, PublishedReport } from "../../contracts/hub-report.js";
import { keyIdOf } from "../../sharing/index.js";

export type ReportVerdict =
  /** `keyId`: the trusted key's thumbprint (keyIdOf), the key the signature was checked with. */
  | { ok: true; report: MonthReport; keyId: string }
  | { ok: false; code: "malformed" | "wrong_key" | "bad_signature" | "bad_payload"; message: string };

/**
 * Checks a downloaded monthly report against the hub key the verifier already trusts (a province
 * pins it as HUB_PUBLIC_KEY): the key named in the file must be that key — a file cannot vouch for
 * itself — and the Ed25519 signature must cover the payload bytes exactly. Only then is the payload
 * read as a report.
 */
export function verifyPublishedReport(document: unknown, trustedHubKeyX: string): ReportVerdict {
  const envelope = PublishedReport.safeParse(document);
  if (!envelope.success) return { ok: false, code: "malformed", message: "不是全国中心发布的签名通报文件" };
  const { signer, payload, signature } = envelope.data;
  if (signer.publicKey !== trustedHubKeyX)
    return { ok: false, code: "wrong_key", message: "通报不是由所信任的全国中心密钥签名" };
  const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: trustedHubKeyX }, format: "jwk" });
  const bytes = Buffer.from(payload, "base64url");
  if (!verify(null, bytes, key, Buffer.from(signature, "base64url")))
    return { ok: false, code: "bad_signature", message: "签名验证失败：通报内容被改动或签名无效" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {
    return { ok: false, code: "bad_payload", message: "签名有效，但内容不是合法的 JSON" };
  }
  const report = MonthReport.safeParse(parsed);
  if (!report.success) return { ok: false, code: "bad_payload", message: "签名有效，但内容不是月度通报格式" };
  // The thumbprint of the key that verified, not the envelope's keyId, which nothing signs.
  return { ok: true, report: report.data, keyId: keyIdOf(trustedHubKeyX) };
}
