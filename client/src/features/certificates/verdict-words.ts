import type { VerificationCode, VerificationResultDto } from "@contracts/certificates.js";

/**
 * What each verdict means for the person checking the card, and what to do, under the server's own
 * message (which says what was found: a date, a key, a province). Typed on every code, so a code
 * the server learns (as unknown_certificate was) does not compile until the page can explain it.
 * Answers that are no finding about the certificate (the verifier's own lists) say so, as the page
 * does when it gets no verdict (no-verdict.ts).
 */
export const VERDICT_WORDS: Readonly<Record<VerificationCode, string>> = {
  // The status may be unknown (no current list) or as of a list's time: the 状态 row says which.
  valid: "数字签名有效，证书在有效期内；是否已被注销、吊销以下方“状态”为准。请核对持证人身份与证件照片。",
  not_roadcert_certificate: "所给内容不是本系统签发的证书二维码或证书文件，无法核验。",
  malformed_payload: "二维码内容不完整或已损坏，读不出证书数据：请重新扫描，或上传清晰完整的图片。",
  signature_invalid: "数字签名与证书内容不符：证书内容可能被篡改，或并非由所称的发证机关签发。",
  unknown_issuer_key:
    "签名所用的密钥不在本系统信任的密钥中：可能是伪造证书，也可能是发证省份的新密钥尚未同步，请向发证机关核实。",
  issuer_mismatch: "签名密钥属于另一省份，与证书所称的发证省份不符，不能作为该省签发的证书。",
  key_not_valid_at_issue: "证书的签发时间不在签名密钥的使用期内，不能确认证书由发证机关签发。",
  trust_list_expired:
    "本系统的信任列表已过期，暂时无法确认签名。这不表示证书有问题：请稍后重试，或联系管理员更新信任列表。",
  no_trust_list: "本系统没有可用的信任列表，无法确认签名。这不表示证书有问题：请联系管理员。",
  certificate_expired: "证书真实，但已超过有效期，不再证明从业资格：持证人须到发证机关办理换证。",
  certificate_not_yet_valid: "证书真实，但尚未到有效期起始日，此前不证明从业资格。",
  status_not_valid: "证书真实，但已被注销、吊销或撤销，不再证明从业资格。",
  superseded: "这是较早版本的证书：发证机关已换发新版，旧版不再使用，请以持证人的新版证书为准。",
  unknown_certificate:
    "二维码虽由发证省份的签名密钥签名，但该省没有这张证书的签发记录：可能是伪造证书，请核实持证人身份。",
  status_index_out_of_range:
    "二维码虽带有发证省份的签名，但其状态编号超出该省证书状态列表的范围：可能是伪造或损坏的证书，请核实持证人身份。",
  qr_not_found: "没有找到证书二维码：请上传本系统生成的证书 PDF，或用摄像头、图片扫描证书上的二维码。",
};

/**
 * Whether the status came from a list older than its refresh interval (the server's
 * status_list_stale warning): the status row says so beside its as-of time.
 */
export function statusListStale(result: Pick<VerificationResultDto, "warningCodes">): boolean {
  return result.warningCodes.includes("status_list_stale");
}
