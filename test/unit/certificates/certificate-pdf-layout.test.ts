import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createSigner,
  generateKeyPair,
  keyIdOf,
  renderCertificatePdf,
  sealClaims,
} from "../../../server/certificates/index.js";
import { qrClaimsOf } from "../../../server/certificates/record.js";
import { CATEGORIES, type CategoryCode } from "../../../server/contracts/categories.js";
import type { CertificateRecord } from "../../../server/contracts/certificates.js";

const MM = 72 / 25.4;
const A4_H = 841.89;
/** Where the certificate's footer begins: the QR's top (40 mm QR, 20 mm + 10 mm above the bottom edge). */
const FOOTER_TOP = A4_H - (20 + 40 + 10) * MM;

const chainHash = "5e".repeat(32);
/**
 * The longest certificate a province can issue: every category, a holder in a county whose name
 * wraps, a county authority whose name wraps, and a cancellation whose officer's note names a
 * person's circumstances (what the public may read is only the ground, 持证人死亡).
 */
const worst: CertificateRecord = {
  provinceCode: "650000",
  certificateNo: "654004199001010011",
  version: 3,
  serial: "654004199001010011-03",
  holder: {
    name: "阿卜杜热合曼·买买提依明",
    sex: "male",
    birthDate: "1990-01-01",
    idNumber: "654004199001010011",
    nationality: "中国",
    addressDivisionCode: "654004",
    licenceClass: "A1A2",
    licenceFirstIssuedOn: "2010-05-01",
  },
  categories: (Object.keys(CATEGORIES) as CategoryCode[]).map((code) => ({
    code,
    name: CATEGORIES[code],
    firstIssuedOn: "2026-03-01",
    attemptId: `a-${code}`,
    chainHash,
  })),
  issuingAuthority: {
    divisionCode: "654004",
    name: "新疆维吾尔自治区伊犁哈萨克自治州霍尔果斯市道路运输管理机构",
  },
  firstIssuedOn: "2026-03-01",
  issuedAt: "2026-03-01T02:00:00.000Z",
  validFrom: "2026-03-01",
  validTo: "2032-02-29",
  status: "cancelled",
  statusReason: "持证人死亡：家属张某持医院死亡证明（编号 2026-0427）到窗口办理",
  statusChangedAt: "2026-05-01T02:00:00.000Z",
  statusIndex: 4242,
  updatedAt: "2026-05-01T02:00:00.000Z",
};

/** Words pdftotext -bbox finds on each page, with their boxes in points (y down from the top). */
function wordsOf(file: string): { page: number; text: string; yMin: number; yMax: number }[] {
  const html = execFileSync("pdftotext", ["-bbox", file, "-"], { encoding: "utf8" });
  const out: { page: number; text: string; yMin: number; yMax: number }[] = [];
  let page = 0;
  for (const line of html.split("\n")) {
    if (line.includes("<page ")) page += 1;
    const m = /<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<\/word>/.exec(line);
    if (m) out.push({ page, text: m[3] ?? "", yMin: Number(m[1]), yMax: Number(m[2]) });
  }
  return out;
}

describe("the certificate PDF's layout with the most it can carry", () => {
  const pair = generateKeyPair("sm2-sm3");
  const key = {
    kid: keyIdOf("sm2-sm3", pair.publicKey),
    suite: "sm2-sm3" as const,
    signer: createSigner(pair),
  };
  const qr = sealClaims(qrClaimsOf(worst, chainHash), key);
  let dir: string;
  let file: string;
  /** The footer (QR caption, note) as a short certificate prints it: where it always is. */
  let footer: { text: string; yMin: number }[];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "cert-pdf-layout-"));
    file = join(dir, "certificate.pdf");
    const address = "新疆维吾尔自治区伊犁哈萨克自治州霍尔果斯市";
    writeFileSync(file, await renderCertificatePdf({ record: worst, qr, addressName: address }));
    const short: CertificateRecord = {
      ...worst,
      categories: worst.categories.slice(-1),
      issuingAuthority: { divisionCode: "650000", name: "运输管理机构" },
    };
    const shortFile = join(dir, "short.pdf");
    writeFileSync(shortFile, await renderCertificatePdf({ record: short, qr, addressName: "乌鲁木齐市" }));
    footer = wordsOf(shortFile).filter((w) => w.page === 1 && w.yMin >= FOOTER_TOP - 1);
  });
  // The pages were drawn and checked by eye (pdftoppm -png) when the layout was written; what a
  // test can hold them to is the word positions below, so the files go once the suite ends.
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("when the certificate is cancelled with an officer's note, then the status row prints the public ground only", () => {
    const text = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
    expect(text).to.contain("注销（持证人死亡）");
    expect(text).not.to.contain("家属");
    expect(text).not.to.contain("2026-0427");
  });

  it("when it carries every category and wrapping names, then every body line ends above the QR and its note, none runs off a page, and every category and the status row are printed", () => {
    const words = wordsOf(file);
    const text = words.map((w) => w.text).join("");
    for (const code of Object.keys(CATEGORIES)) expect(text).to.contain(code);
    expect(text).to.contain("证书状态");
    expect(footer.length).to.be.greaterThan(3);
    const isFooter = (w: { text: string; yMin: number }) =>
      footer.some((f) => f.text === w.text && Math.abs(f.yMin - w.yMin) < 0.5);
    for (const w of words.filter((w) => w.page === 1 && !isFooter(w)))
      expect(w.yMax, `${w.text} runs into the QR and note`).to.be.at.most(FOOTER_TOP - 1 * MM);
    for (const w of words) expect(w.yMax, `${w.text} runs off page ${w.page}`).to.be.at.most(A4_H - 14 * MM);
  });
});
