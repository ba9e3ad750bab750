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
import { publicStatusReason } from "../lifecycle.js";
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
  drawFrame(doc);
  if (data.sample) drawSampleMark(doc);

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

  // The footer first, at its fixed place on page 1: the body below is fitted above it.
  const qrY = drawFooter(doc, data, left);

  const row = (label: string, value: string, width: number): Block => ({ kind: "row", label, value, width });
  // The public ground only (持证人死亡 …), as public verification says it: the officer's own words
  // (a case, a person's circumstances) stay on the officer's pages, and this page goes to the holder.
  const reason = publicStatusReason(r.statusReason);
  const blocks: Block[] = [
    row("姓　　名", r.holder.name, 80 * MM),
    row("性　　别", SEX[r.holder.sex], 80 * MM),
    row("出生日期", cnDate(r.holder.birthDate), 80 * MM),
    row("国　　籍", r.holder.nationality, 80 * MM),
    row("住　　址", data.addressName ?? r.holder.addressDivisionCode, 80 * MM),
    row("证　　号", r.certificateNo, 80 * MM),
    // A holder who does not drive gets 无, not a blank a pen could fill in.
    row("准驾车型", r.holder.licenceClass ?? "无", 80 * MM),
    row(
      "初次领取驾驶证日期",
      r.holder.licenceFirstIssuedOn ? cnDate(r.holder.licenceFirstIssuedOn) : "无",
      80 * MM,
    ),
    { kind: "rule" },
    { kind: "heading", text: "从业资格类别" },
    ...r.categories.map((c): Block => ({
      kind: "category",
      text: `${c.code}  ${c.name}`,
      side: `初领 ${cnDate(c.firstIssuedOn)}`,
    })),
    { kind: "rule" },
    row("发证机关", r.issuingAuthority.name, 70 * MM),
    row("初领日期", cnDate(r.firstIssuedOn), 70 * MM),
    row("签发日期", cnDate(chinaDate(r.issuedAt)), 70 * MM),
    row("有效期自", cnDate(r.validFrom), 70 * MM),
    row("有效期至", cnDate(r.validTo), 70 * MM),
    row("证书状态", `${CERTIFICATE_STATUS_LABELS[r.status]}${reason ? `（${reason}）` : ""}`, 70 * MM),
  ];
  drawBody(
    doc,
    blocks,
    { left, top: 58 * MM, bottom: qrY - 4 * MM, title: `证书编号 ${r.serial}（续页）` },
    data.sample,
  );
  return toBuffer(doc);
}

/**
 * The QR (bottom right, 40 mm including the quiet zone, 20 mm from the right and bottom edges),
 * the key under it and the note beside it, on the current page; returns the QR's top.
 */
function drawFooter(doc: PDFKit.PDFDocument, data: CertificatePdfData, left: number): number {
  const r = data.record;
  const W = doc.page.width;
  const H = doc.page.height;
  const qrSize = QR_PRINT_MM * MM;
  const qrX = W - 20 * MM - qrSize;
  const qrY = H - 20 * MM - qrSize - 10 * MM;
  drawQr(doc, qrMatrix(data.qr), qrX, qrY, qrSize);
  doc.font("cjk").fontSize(8).fillColor("#5a6270");
  doc.text("扫码离线验证签名", qrX, qrY + qrSize + 1.5 * MM, { width: qrSize, align: "center" });
  const sealedBy = qrSealedBy(data.qr);
  if (sealedBy) {
    doc.text(`${SIGNATURE_SUITE_NAMES[sealedBy.suite]} · ${sealedBy.kid}`, qrX, qrY + qrSize + 5 * MM, {
      width: qrSize,
      align: "center",
    });
  }
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
      { width: qrX - left - 8 * MM, lineGap: 3 },
    );
  return qrY;
}

/** One piece of the certificate's body, laid out top to bottom. */
type Block =
  | { kind: "row"; label: string; value: string; width: number }
  | { kind: "rule" }
  | { kind: "heading"; text: string }
  | { kind: "category"; text: string; side: string };

/**
 * The scales the body may be set at, largest first: every size and gap times the scale. The first
 * at which it fits above the footer is taken, so four or more categories and names that wrap (a
 * county authority, an address) shrink the type instead of running into the QR and its note.
 */
const SMALLEST_SCALE = 0.72;
const SCALES = [1, 0.9, 0.8, SMALLEST_SCALE] as const;

function blockHeight(doc: PDFKit.PDFDocument, b: Block, s: number): number {
  switch (b.kind) {
    case "row":
      doc.font("cjk-bold").fontSize(12 * s);
      return Math.max(9 * MM * s, doc.heightOfString(b.value, { width: b.width }) + 3 * MM * s);
    case "rule":
      return 8 * MM * s;
    case "heading":
      return 8 * MM * s;
    case "category":
      return 7 * MM * s;
  }
}

function drawBlock(doc: PDFKit.PDFDocument, b: Block, left: number, y: number, s: number): void {
  const right = doc.page.width - 24 * MM;
  switch (b.kind) {
    case "row":
      doc
        .font("cjk")
        .fontSize(10 * s)
        .fillColor("#5a6270")
        .text(b.label, left, y, { width: 42 * MM });
      doc
        .font("cjk-bold")
        .fontSize(12 * s)
        .fillColor("#1f2d3d")
        .text(b.value, left + 44 * MM, y - 1, { width: b.width });
      return;
    case "rule": {
      const at = y + 3 * MM * s;
      doc.moveTo(left, at).lineTo(right, at).lineWidth(0.5).strokeColor("#c0c6cf").stroke();
      return;
    }
    case "heading":
      doc
        .font("cjk-bold")
        .fontSize(12 * s)
        .fillColor("#1f4e79")
        .text(b.text, left, y);
      return;
    case "category":
      doc
        .font("cjk")
        .fontSize(11 * s)
        .fillColor("#1f2d3d")
        .text(b.text, left + 4 * MM, y, { lineBreak: false });
      doc
        .fontSize(9 * s)
        .fillColor("#5a6270")
        .text(b.side, right - 50 * MM, y + 1, { width: 50 * MM, align: "right" });
      return;
  }
}

/** A4's double frame, on every page of the certificate. */
function drawFrame(doc: PDFKit.PDFDocument): void {
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
}

/** The sample mark across the current page (cert:sample). */
function drawSampleMark(doc: PDFKit.PDFDocument): void {
  const W = doc.page.width;
  const H = doc.page.height;
  doc.save().font("cjk-bold").fontSize(54).fillColor("#d9534f").opacity(0.18);
  doc
    .rotate(-30, { origin: [W / 2, H / 2] })
    .text("样本 SAMPLE", 0, H / 2 - 30, { width: W, align: "center" });
  doc.restore();
}

/**
 * Lays the body out from `top` to `bottom` on page 1 at the largest scale that fits; when even
 * the smallest does not, what is left goes on a continuation page (never over the footer).
 */
function drawBody(
  doc: PDFKit.PDFDocument,
  blocks: Block[],
  area: { left: number; top: number; bottom: number; title: string },
  sample?: boolean,
): void {
  const total = (s: number) => blocks.reduce((sum, b) => sum + blockHeight(doc, b, s), 0);
  const s = SCALES.find((scale) => total(scale) <= area.bottom - area.top) ?? SMALLEST_SCALE;
  let y = area.top;
  let bottom = area.bottom;
  for (const b of blocks) {
    const h = blockHeight(doc, b, s);
    if (y + h > bottom) {
      doc.addPage({ size: "A4", margin: 0 });
      drawFrame(doc);
      if (sample) drawSampleMark(doc);
      doc
        .font("cjk")
        .fontSize(10)
        .fillColor("#5a6270")
        .text(area.title, 0, 24 * MM, { width: doc.page.width, align: "center" });
      y = 34 * MM;
      bottom = doc.page.height - 24 * MM;
    }
    drawBlock(doc, b, area.left, y, s);
    y += h;
  }
}
