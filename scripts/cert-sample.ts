/**
 * `npm run cert:sample -- [--out sample-certificate.pdf] [--suite ed25519|sm2-sm3]`
 *
 * Renders a sample certificate, valid today, for a made-up holder of the made-up province 990000,
 * signed with the committed DEMO-ONLY key (trust/demo/), so its QR verifies with `npm run
 * cert:verify -- <file>` against the default demo trust list on a fresh clone, offline. The page is
 * watermarked 样本 SAMPLE. Decision: a committed, clearly named demo key rather than an ephemeral
 * one, because an ephemeral key would need its own trust list and cert:verify's default could not
 * check the sample.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { CertificateRecord, SignatureSuite } from "../server/contracts/certificates.js";
import {
  DEMO_TRUST_DIR,
  createSigner,
  renderCertificatePdf,
  sealClaims,
} from "../server/certificates/index.js";
import { CHINA_TIME_ZONE, localDate } from "../server/lib/local-time.js";

const { values } = parseArgs({
  options: {
    out: { type: "string", default: "sample-certificate.pdf" },
    suite: { type: "string", default: "ed25519" },
  },
});
const suite = values.suite === "sm2-sm3" || values.suite === "sm2" ? "sm2-sm3" : "ed25519";
const keys = JSON.parse(readFileSync(join(DEMO_TRUST_DIR, "DEMO-ONLY-signing-keys.json"), "utf8")) as {
  provinceCode: string;
  certificate: Record<
    SignatureSuite,
    { kid: string; suite: SignatureSuite; publicKey: string; privateKey: string }
  >;
};
const key = keys.certificate[suite];
const now = new Date(Math.floor(Date.now() / 1000) * 1000);
// Certificate dates are China Standard Time calendar days.
const today = localDate(now, CHINA_TIME_ZONE);
const end = new Date(`${today}T00:00:00Z`);
end.setUTCFullYear(end.getUTCFullYear() + 6);
end.setUTCDate(end.getUTCDate() - 1);
const chainHash = "5e".repeat(32);
const record: CertificateRecord = {
  provinceCode: keys.provinceCode,
  certificateNo: "990000199001010011",
  version: 1,
  serial: "990000199001010011-01",
  holder: {
    name: "示例持证人",
    sex: "male",
    birthDate: "1990-01-01",
    idNumber: "990000199001010011",
    nationality: "中国",
    addressDivisionCode: "990000",
    licenceClass: "A1",
    licenceFirstIssuedOn: "2012-05-01",
  },
  categories: [
    { code: "01001", name: "经营性道路旅客运输驾驶员", firstIssuedOn: today, attemptId: "sample", chainHash },
    { code: "02001", name: "经营性道路货物运输驾驶员", firstIssuedOn: today, attemptId: "sample", chainHash },
  ],
  issuingAuthority: { divisionCode: "990000", name: "演示省道路运输管理局（样本）" },
  firstIssuedOn: today,
  issuedAt: now.toISOString(),
  validFrom: today,
  validTo: end.toISOString().slice(0, 10),
  status: "valid",
  statusReason: null,
  statusChangedAt: now.toISOString(),
  statusIndex: 12_345,
  updatedAt: now.toISOString(),
};
const qr = sealClaims(
  {
    provinceCode: record.provinceCode,
    certificateNo: record.certificateNo,
    version: 1,
    name: record.holder.name,
    categories: record.categories.map((c) => c.code),
    validFrom: record.validFrom,
    validTo: record.validTo,
    issuedAt: record.issuedAt,
    statusIndex: record.statusIndex,
    chainHash,
  },
  { kid: key.kid, signer: createSigner(key) },
);
const pdf = await renderCertificatePdf({
  record,
  qr,
  addressName: "演示省",
  sample: true,
});
writeFileSync(values.out, pdf);
console.log(
  `sample certificate (${suite}, DEMO-ONLY key ${key.kid}) written to ${values.out} (${pdf.length} bytes)`,
);
// No status list comes with a sample, so the command answers "authentic, status unknown" (exit 3).
console.log(`verify it: npm run cert:verify -- ${values.out}  (exit 3: no status list, status unknown)`);
