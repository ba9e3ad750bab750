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
import type { CertificateLean } from "../../../server/certificates/lifecycle.service.js";
import { toCertificateDto } from "../../../server/certificates/presenters.js";
import { qrClaimsOf } from "../../../server/certificates/record.js";
import type { CertificateRecord, SignatureSuite } from "../../../server/contracts/certificates.js";

/** A certificate key as the key store would hand it out. */
function aKey(suite: SignatureSuite) {
  const pair = generateKeyPair(suite);
  return { kid: keyIdOf(suite, pair.publicKey), suite, signer: createSigner(pair) };
}

const chainHash = "5e".repeat(32);
const record: CertificateRecord = {
  provinceCode: "320000",
  certificateNo: "320102199001010011",
  version: 1,
  serial: "320102199001010011-01",
  holder: {
    name: "王芳",
    sex: "female",
    birthDate: "1990-01-01",
    idNumber: "320102199001010011",
    nationality: "中国",
    addressDivisionCode: "320102",
    licenceClass: "A1",
    licenceFirstIssuedOn: "2012-05-01",
  },
  categories: [
    {
      code: "01001",
      name: "经营性道路旅客运输驾驶员",
      firstIssuedOn: "2026-03-01",
      attemptId: "a1",
      chainHash,
    },
  ],
  issuingAuthority: { divisionCode: "320100", name: "南京市交通运输局" },
  firstIssuedOn: "2026-03-01",
  issuedAt: "2026-03-01T02:00:00.000Z",
  validFrom: "2026-03-01",
  validTo: "2032-02-29",
  status: "revoked",
  statusReason: "以欺骗手段取得",
  statusChangedAt: "2026-05-01T02:00:00.000Z",
  statusIndex: 4242,
  updatedAt: "2026-05-01T02:00:00.000Z",
};

const sealWith = (key: ReturnType<typeof aKey>) => sealClaims(qrClaimsOf(record, chainHash), key);

describe("the key named under a certificate's QR", () => {
  // Sealed at issue with the key then in use; revoked after a rotation, so the record was re-signed
  // with the next key while the QR (and the printed certificate) stayed the one sealed at issue.
  const sealing = aKey("sm2-sm3");
  const later = aKey("ed25519");
  const qr = sealWith(sealing);

  it("when the record was re-signed with a later key after the QR was sealed, then the PDF names the key and suite that sealed the QR", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cert-pdf-kid-"));
    try {
      const file = join(dir, "certificate.pdf");
      writeFileSync(file, await renderCertificatePdf({ record, qr }));
      const text = execFileSync("pdftotext", [file, "-"], { encoding: "utf8" });
      expect(text).to.contain(`SM2/SM3 · ${sealing.kid}`);
      expect(text).not.to.contain(later.kid);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** The stored certificate of `record`, its first version sealed by `sealing` with `qr`. */
  function storedCertificate(signature: CertificateLean["signature"], versionQr: string): CertificateLean {
    return {
      _id: "c1",
      provinceCode: record.provinceCode,
      certificateNo: record.certificateNo,
      candidateId: "cand-1",
      holder: record.holder,
      photoId: null,
      categories: record.categories,
      issuingAuthority: record.issuingAuthority,
      divisionCode: "320100",
      firstIssuedOn: record.firstIssuedOn,
      version: 1,
      issuedAt: new Date(record.issuedAt),
      validFrom: record.validFrom,
      validTo: record.validTo,
      status: record.status,
      statusReason: record.statusReason,
      statusChangedAt: new Date(record.statusChangedAt),
      statusIndex: record.statusIndex,
      signature,
      versions: [
        {
          version: 1,
          kind: "first_issue",
          at: new Date(record.issuedAt),
          by: "officer",
          categories: ["01001"],
          validFrom: record.validFrom,
          validTo: record.validTo,
          kid: sealing.kid,
          suite: sealing.suite,
          qr: versionQr,
        },
      ],
      statusHistory: [],
    } satisfies CertificateLean;
  }
  const renewal = { opensOn: "2032-01-30", allowed: false, reason: null };

  it("when the record was re-signed with a later key after the QR was sealed, then the officer's view names the key that sealed the QR", () => {
    const signature = { suite: later.suite, kid: later.kid, value: "sig", qr };
    const dto = toCertificateDto(storedCertificate(signature, qr), renewal);
    expect({ suite: dto.suite, kid: dto.kid }).to.deep.equal({ suite: "sm2-sm3", kid: sealing.kid });
    expect(dto.versions.map((v) => v.kid)).to.deep.equal([sealing.kid]);
  });

  it("when a certificate has no QR, then the officer's view names the key of its current version's entry", () => {
    const dto = toCertificateDto(storedCertificate(null, ""), renewal);
    expect({ suite: dto.suite, kid: dto.kid }).to.deep.equal({ suite: "sm2-sm3", kid: sealing.kid });
  });
});

/**
 * A certificate with no recorded photo (a transfer issued from the hub's record, an older
 * certificate) prints a frame that says so: a frame reading 照片, or an empty one, invites a photo
 * to be stuck or drawn in, and reads as a card not filled in rather than one issued without a photo.
 */
describe("the photo frame of a certificate's PDF", () => {
  const qr = sealWith(aKey("ed25519"));
  /** The text pdftotext reads from the certificate's PDF with `photo`. */
  async function pdfText(photo: { mimeType: string; data: Buffer } | null): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), "cert-pdf-photo-"));
    try {
      const file = join(dir, "certificate.pdf");
      writeFileSync(file, await renderCertificatePdf({ record, qr, photo }));
      return execFileSync("pdftotext", [file, "-"], { encoding: "utf8" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("when the certificate recorded no photo, then the frame says 无照片", async () => {
    expect(await pdfText(null)).to.contain("无照片");
  });

  it("when the recorded photo cannot be drawn (not an image pdfkit reads), then the frame says the photo cannot be shown, not that there is none", async () => {
    const text = await pdfText({ mimeType: "image/jpeg", data: Buffer.from("not a jpeg") });
    expect(text).to.contain("照片无法显示");
    expect(text).not.to.contain("无照片");
  });
});
