import { expect } from "chai";
import {
  MAX_PDF_QR_ENTRIES,
  extractQrFromPdf,
  findQrInPdf,
} from "../../../server/certificates/crypto/pdf-payload.js";

const QR_A = "RC1:6BFOXN*TS0BI$ZD.P9UOL97O4-2HH77HRM3DSPTLRR+%3";
const QR_B = "RC1:NCFOXN*TS0BI$ZD.P9UOL97O4-2HH77HRM3DSPTLRR+%4";
const pdf = (...parts: string[]) => Buffer.from(["%PDF-1.7", ...parts, "%%EOF"].join("\n"), "latin1");

describe("the QR text a roadcert PDF carries in its Info dictionary", () => {
  it("when the Info dictionary names the QR through an indirect object (as pdfkit writes it), then the object's text is found", () => {
    const file = pdf(
      "21 0 obj",
      `(${QR_A})`,
      "endobj",
      "22 0 obj",
      "<< /Producer (pdfkit) /RoadcertQR 21 0 R >>",
    );
    expect(findQrInPdf(file)).to.deep.equal({ ok: true, text: QR_A });
    expect(extractQrFromPdf(file)).to.equal(QR_A);
  });

  it("when an incremental update redefines the object and appends a newer Info dictionary, then the later text wins", () => {
    const file = pdf(
      `21 0 obj (${QR_A}) endobj`,
      "<< /RoadcertQR 21 0 R >>",
      `21 0 obj (${QR_B}) endobj`,
      `<< /RoadcertQR (${QR_A}) >>`,
      "<< /RoadcertQR 21 0 R >>",
    );
    expect(findQrInPdf(file)).to.deep.equal({ ok: true, text: QR_B });
  });

  it("when a reference names no object of the file, then nothing is found", () => {
    expect(findQrInPdf(pdf("<< /RoadcertQR 7 0 R >>"))).to.deep.equal({ ok: true, text: null });
  });

  it(`when a file carries more QR entries than a roadcert PDF ever has (over ${MAX_PDF_QR_ENTRIES}), then the search is refused and nothing is read from it; at the cap it is still read`, () => {
    const atCap = pdf(
      `21 0 obj (${QR_A}) endobj`,
      ...Array<string>(MAX_PDF_QR_ENTRIES).fill("/RoadcertQR 21 0 R"),
    );
    expect(findQrInPdf(atCap)).to.deep.equal({ ok: true, text: QR_A });
    // The crafted upload of the audit: one genuine object and a flood of references to objects
    // the file does not hold (each once meant a scan of the whole file).
    const flood = pdf(
      `21 0 obj (${QR_A}) endobj`,
      ...Array.from({ length: 50_000 }, (_, i) => `/RoadcertQR ${i + 100} 0 R`),
    );
    expect(findQrInPdf(flood)).to.deep.equal({ ok: false, reason: "too_many_entries" });
    expect(extractQrFromPdf(flood)).to.equal(null);
  });
});
