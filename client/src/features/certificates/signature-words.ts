import { provinceName as knownProvinceName } from "@/shared/provinces.js";
import { signatureSuiteName } from "@/shared/signature-suite.js";

/**
 * The signature in words an officer or the public reads: who signed (the issuing province, by
 * name) and with which algorithm. The key id means something only to an expert, so pages show it
 * apart as 密钥标识.
 */

/**
 * A province code as its name. 990000 is the made-up province of the committed demo trust list
 * (npm run cert:sample). A QR is anyone's text: only the table's own keys name a province (not
 * `constructor`).
 */
export function provinceName(code: string): string {
  const name = knownProvinceName(code);
  if (name !== code) return name;
  return code === "990000" ? "演示省份（仅供演示）" : `未知省份（${code}）`;
}

/**
 * What the signature says: checked (`authentic`) it is the province's; unchecked it is only what
 * the code claims, and says so.
 */
export function signatureWords(provinceCode: string, suite: string, authentic: boolean): string {
  const province = provinceName(provinceCode);
  return authentic
    ? `已由${province}发证机关数字签名（${signatureSuiteName(suite)}）`
    : `自称由${province}发证机关签名（${signatureSuiteName(suite)}），签名未能核验`;
}
