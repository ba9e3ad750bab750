import PDFDocument from "pdfkit";
import {
  CERTIFICATE_STATUS_LABELS,
  type CertificateRecord,
  SIGNATURE_SUITE_NAMES,
  type SignatureSuite,
} from "../../contracts/certificates.js";
import { chinaDate } from "../../lib/local-time.js";
import { openEnvelope } from "../crypto/envelope.js";
import { PDF_QR_INFO_KEY } from "../crypto/pdf-payload.js";
import { cjkFonts } from "./fonts.js";
import { drawQr, qrMatrix } from "./qr.js";

export interface CertificatePdfData {
  record: CertificateRecord;
  /**
   * The signed QR text of this issuance version. The key named under it is read from its own
   * protected header: the record's signature is renewed on every status change, with whatever key
   * is current then, while the QR keeps the key that sealed it at issue.
   */
  qr: string;
  photo?: { mimeType: string; data: Buffer } | null;
  /** Human name of the holder's address division (the record keeps its GB/T 2260 code). */
  addressName?: string;
  /** Marks sample output (cert:sample) so it cannot pass for a real certificate. */
  sample?: boolean;
}

const MM = 72 / 25.4;
/** Printed width of the QR including its quiet zone: ≥ 30 mm so phones read it; drawn as vectors. */
export const QR_PRINT_MM = 40;

const SEX = { male: "男", female: "女" } as const;
const cnDate = (d: string) => `${d.slice(0, 4)}年${d.slice(5, 7)}月${d.slice(8, 10)}日`;

/** The suite and key id in the QR's protected header (null when the text is no roadcert QR). */
export function qrSealedBy(qr: string): { suite: SignatureSuite; kid: string } | null {
  const opened = openEnvelope(qr);
  return opened.ok ? { suite: opened.claims.suite, kid: opened.claims.kid } : null;
}


/** Renders a PDF document into a Buffer. */
export function toBuffer(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on("data", (c: Buffer) => chunks.push(c));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
    doc.end();
  });
}

/** A4 document with the CJK fonts registered and fixed dates, so output depends only on the data. */
export function newDocument(info: {
  title: string;
  author: string;
  subject: string;
  keywords: string;
  at: Date;
  extra?: Record<string, string>;
}): PDFKit.PDFDocument {
  const doc = new PDFDocument({
    size: "A4",
    margin: 0,
    lang: "zh-CN",
    displayTitle: true,
    pdfVersion: "1.7",
    info: {
      Title: info.title,
      Author: info.author,
      Subject: info.subject,
      Keywords: info.keywords,
      Creator: "roadcert",
      Producer: "roadcert (pdfkit)",
      CreationDate: info.at,
      ModDate: info.at,
      ...info.extra,
    },
  });
  const fonts = cjkFonts();
  // pdfkit accepts a parsed fontkit font (its `layout` is what it checks); the typings only list paths and buffers.
  doc.registerFont("cjk", fonts.regular as unknown as PDFKit.Mixins.PDFFontSource);
  doc.registerFont("cjk-bold", fonts.bold as unknown as PDFKit.Mixins.PDFFontSource);
  return doc;
}

/** What a photo frame says without a photo: none given, or one given that cannot be drawn. */
export interface PhotoFrameWords {
  none: string;
  unreadable: string;
}

/**
 * A certificate's frame says what happened: a certificate issued without a photo (a transfer from
 * the hub's record, older certificates) is complete as it is, and a frame reading 照片 invites one
 * to be stuck in; a recorded photo that will not draw is not "no photo".
 */
const CERTIFICATE_PHOTO_WORDS: PhotoFrameWords = { none: "无照片", unreadable: "照片无法显示" };

/**
 * Draws the photo (JPEG/PNG) or a frame saying why there is none (`words`; by default 照片, where
 * a photo is to be stuck, as on an admission ticket); never throws for a broken image.
 */
export function drawPhoto(
  doc: PDFKit.PDFDocument,
  photo: CertificatePdfData["photo"],
  x: number,
  y: number,
  w: number,
  h: number,
  words: PhotoFrameWords = { none: "照片", unreadable: "照片" },
): void {
  doc.save().lineWidth(0.6).strokeColor("#8a8f98").rect(x, y, w, h).stroke().restore();
  if (photo && (photo.mimeType === "image/jpeg" || photo.mimeType === "image/png")) {
    try {
      doc.image(photo.data, x + 1, y + 1, { fit: [w - 2, h - 2], align: "center", valign: "center" });
      return;
    } catch {
      // fall through to the placeholder
    }
  }
  doc
    .font("cjk")
    .fontSize(10)
    .fillColor("#8a8f98")
    .text(photo ? words.unreadable : words.none, x, y + h / 2 - 6, { width: w, align: "center" });
}

/**
 * The A4 qualification certificate (从业资格证): a pure function of the data (fixed creation
 * date = issue time, no clock, no randomness). Neutral design, no national emblem. The QR is 40 mm
 * wide, 20 mm from the page edges; its text also goes into the PDF's Info dictionary so a verifier
 * can read it from the file without rasterising.
 */
export async function renderCertificatePdf(data: CertificatePdfData): Promise<Buffer> {
  const r = data.record;
  const doc = newDocument({
    title: `道路运输从业人员从业资格证 ${r.holder.name}`,
    author: r.issuingAuthority.name,
    subject: `从业资格证 ${r.serial}`,
    keywords: `从业资格证, ${r.categories.map((c) => c.name).join(", ")}`,
    at: new Date(r.issuedAt),
    extra: { [PDF_QR_INFO_KEY]: data.qr },
  });
  const W = doc.page.width;
  const H = doc.page.height;
  doc
    .lineWidth(2)
    .strokeColor("#1f4e79")
    .rect(12 * MM, 12 * MM, W - 24 * MM, H - 24 * MM)
    .stroke();
  doc
    .lineWidth(0.5)
    .rect(14 * MM, 14 * MM, W - 28 * MM, H - 28 * MM)
    .stroke();

  if (data.sample) {
    doc.save().font("cjk-bold").fontSize(54).fillColor("#d9534f").opacity(0.18);
    doc
      .rotate(-30, { origin: [W / 2, H / 2] })
      .text("样本 SAMPLE", 0, H / 2 - 30, { width: W, align: "center" });
    doc.restore();
  }

  doc
    .font("cjk-bold")
    .fontSize(24)
    .fillColor("#1f2d3d")
    .text("道路运输从业人员从业资格证", 0, 28 * MM, { width: W, align: "center" });
  doc
    .font("cjk")
    .fontSize(10)
    .fillColor("#5a6270")
    .text(`证书编号 ${r.serial}`, 0, 46 * MM, { width: W, align: "center" });

  const left = 24 * MM;
  const photoW = 30 * MM;
  const photoH = 40 * MM;
  drawPhoto(doc, data.photo, W - 24 * MM - photoW, 56 * MM, photoW, photoH, CERTIFICATE_PHOTO_WORDS);

  const rows: [string, string][] = [
    ["姓　　名", r.holder.name],
    ["性　　别", SEX[r.holder.sex]],
    ["出生日期", cnDate(r.holder.birthDate)],
    ["国　　籍", r.holder.nationality],
    ["住　　址", data.addressName ?? r.holder.addressDivisionCode],
    ["证　　号", r.certificateNo],
    // A holder who does not drive gets 无, not a blank a pen could fill in.
    ["准驾车型", r.holder.licenceClass ?? "无"],
    ["初次领取驾驶证日期", r.holder.licenceFirstIssuedOn ? cnDate(r.holder.licenceFirstIssuedOn) : "无"],
  ];
  let y = 58 * MM;
  const label = (text: string, value: string, valueWidth: number) => {
    doc
      .font("cjk")
      .fontSize(10)
      .fillColor("#5a6270")
      .text(text, left, y, { width: 42 * MM });
    doc
      .font("cjk-bold")
      .fontSize(12)
      .fillColor("#1f2d3d")
      .text(value, left + 44 * MM, y - 1, { width: valueWidth });
    y += Math.max(9 * MM, doc.heightOfString(value, { width: valueWidth }) + 3 * MM);
  };
  for (const [k, v] of rows) label(k, v, 80 * MM);

  y += 3 * MM;
  doc
    .moveTo(left, y)
    .lineTo(W - 24 * MM, y)
    .lineWidth(0.5)
    .strokeColor("#c0c6cf")
    .stroke();
  y += 5 * MM;
  doc.font("cjk-bold").fontSize(12).fillColor("#1f4e79").text("从业资格类别", left, y);
  y += 8 * MM;
  for (const c of r.categories) {
    doc
      .font("cjk")
      .fontSize(11)
      .fillColor("#1f2d3d")
      .text(`${c.code}  ${c.name}`, left + 4 * MM, y, { continued: false });
    doc
      .fontSize(9)
      .fillColor("#5a6270")
      .text(`初领 ${cnDate(c.firstIssuedOn)}`, W - 24 * MM - 50 * MM, y + 1, {
        width: 50 * MM,
        align: "right",
      });
    y += 7 * MM;
  }
  y += 3 * MM;
  doc
    .moveTo(left, y)
    .lineTo(W - 24 * MM, y)
    .strokeColor("#c0c6cf")
    .stroke();
  y += 5 * MM;
  const issued: [string, string][] = [
    ["发证机关", r.issuingAuthority.name],
    ["初领日期", cnDate(r.firstIssuedOn)],
    ["签发日期", cnDate(chinaDate(r.issuedAt))],
    ["有效期自", cnDate(r.validFrom)],
    ["有效期至", cnDate(r.validTo)],
    ["证书状态", `${CERTIFICATE_STATUS_LABELS[r.status]}${r.statusReason ? `（${r.statusReason}）` : ""}`],
  ];
  for (const [k, v] of issued) label(k, v, 70 * MM);

  // QR: bottom right, 40 mm including the quiet zone, 20 mm from the right and bottom edges.
  const qrSize = QR_PRINT_MM * MM;
  const qrX = W - 20 * MM - qrSize;
  const qrY = H - 20 * MM - qrSize - 10 * MM;
  const matrix = qrMatrix(data.qr);
  drawQr(doc, matrix, qrX, qrY, qrSize);
  doc.font("cjk").fontSize(8).fillColor("#5a6270");
  doc.text("扫码离线验证签名", qrX, qrY + qrSize + 1.5 * MM, { width: qrSize, align: "center" });
  const sealedBy = qrSealedBy(data.qr);
  if (sealedBy) {
    doc.text(`${SIGNATURE_SUITE_NAMES[sealedBy.suite]} · ${sealedBy.kid}`, qrX, qrY + qrSize + 5 * MM, {
      width: qrSize,
      align: "center",
    });
  }

  const noteW = qrX - left - 8 * MM;
  doc
    .fontSize(8.5)
    .fillColor("#5a6270")
    .text(
      [
        "本证书全国通用。真伪以二维码中的数字签名为准：请使用 roadcert 验证页面或 cert:verify 工具离线验证，",
        "并核对签发省份、证号、姓名、类别与有效期；不要依据任何网址判断真伪。",
        `考试记录哈希 ${r.categories.at(-1)?.chainHash.slice(0, 32) ?? ""}…`,
      ].join(""),
      left,
      qrY + 6 * MM,
      { width: noteW, lineGap: 3 },
    );
  return toBuffer(doc);
}
