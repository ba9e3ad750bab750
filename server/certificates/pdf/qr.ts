import QRCode from "qrcode";

export interface QrMatrix {
  size: number;
  version: number;
  errorCorrection: "M";
  isDark(row: number, col: number): boolean;
}

/**
 * The QR module matrix at error-correction level M (the text is all Base45, so the library picks
 * alphanumeric mode). Level M keeps a ~300-character payload at version 11–12; DCC recommends Q,
 * but that would push it past version 13, which prints too dense at 30–40 mm.
 */
export function qrMatrix(text: string): QrMatrix {
  const qr = QRCode.create(text, { errorCorrectionLevel: "M" });
  const { size, data } = qr.modules;
  return { size, version: qr.version, errorCorrection: "M", isDark: (r, c) => data[r * size + c] === 1 };
}

/**
 * Draws the code as vector rectangles (runs of dark modules per row merged), whole modules, with
 * the 4-module quiet zone kept white. `x`,`y` is the top-left of the quiet zone; `width` includes it.
 */
export function drawQr(doc: PDFKit.PDFDocument, m: QrMatrix, x: number, y: number, width: number): void {
  const quiet = 4;
  const unit = width / (m.size + 2 * quiet);
  doc.save().rect(x, y, width, width).fill("#ffffff");
  for (let r = 0; r < m.size; r++) {
    let c = 0;
    while (c < m.size) {
      if (!m.isDark(r, c)) {
        c++;
        continue;
      }
      const start = c;
      while (c < m.size && m.isDark(r, c)) c++;
      doc.rect(x + (quiet + start) * unit, y + (quiet + r) * unit, (c - start) * unit, unit);
    }
  }
  doc.fill("#000000").restore();
}
