import type { AdmissionTicketDto } from "../../contracts/scheduling.js";
import { drawPhoto, newDocument, toBuffer } from "./certificate.pdf.js";
import { drawQr, qrMatrix } from "./qr.js";

export interface AdmissionTicketPdfData {
  ticket: AdmissionTicketDto;
  photo?: { mimeType: string; data: Buffer } | null;
  /** IANA time zone the session time is printed in (the node's TIME_ZONE). */
  timeZone: string;
  /** When the ticket data was prepared: the PDF's creation date (keeps rendering pure). */
  preparedAt: Date;
}

const MM = 72 / 25.4;
const SEX = { male: "男", female: "女" } as const;

function formatTime(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("zh-CN", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return `${get("year")}年${get("month")}月${get("day")}日 ${get("hour")}:${get("minute")}`;
}

/**
 * The admission ticket (准考证) for a seated candidate: a pure function of scheduling's ticket data.
 * Its small QR holds only the ticket number (for the check-in desk), nothing secret.
 */
export async function renderAdmissionTicketPdf(data: AdmissionTicketPdfData): Promise<Buffer> {
  const t = data.ticket;
  const doc = newDocument({
    title: `准考证 ${t.name} ${t.ticketNo}`,
    author: t.testCentreName,
    subject: `道路运输从业人员从业资格考试准考证 ${t.categoryName}`,
    keywords: `准考证, ${t.categoryName}`,
    at: data.preparedAt,
  });
  const W = doc.page.width;
  doc
    .lineWidth(1.2)
    .strokeColor("#1f4e79")
    .rect(15 * MM, 15 * MM, W - 30 * MM, 150 * MM)
    .stroke();
  doc
    .font("cjk-bold")
    .fontSize(20)
    .fillColor("#1f2d3d")
    .text("道路运输从业人员从业资格考试", 0, 24 * MM, { width: W, align: "center" });
  doc.fontSize(26).text("准 考 证", 0, 34 * MM, { width: W, align: "center" });

  const left = 24 * MM;
  drawPhoto(doc, data.photo, W - 24 * MM - 30 * MM, 52 * MM, 30 * MM, 40 * MM);
  const rows: [string, string][] = [
    ["准考证号", t.ticketNo],
    ["姓　　名", t.name],
    ["性　　别", SEX[t.sex]],
    ["身份证号", t.idNumber],
    ["考试类别", `${t.categoryCode} ${t.categoryName}`],
    ["考试时间", `${formatTime(t.startsAt, data.timeZone)} 起 ${t.durationMinutes} 分钟`],
    ["考　　点", t.testCentreName],
    ["考点地址", t.testCentreAddress],
    ["考　　场", t.roomName],
    ["座 位 号", String(t.seatNo)],
  ];
  let y = 54 * MM;
  for (const [k, v] of rows) {
    doc
      .font("cjk")
      .fontSize(10)
      .fillColor("#5a6270")
      .text(k, left, y, { width: 24 * MM });
    doc
      .font("cjk-bold")
      .fontSize(12)
      .fillColor("#1f2d3d")
      .text(v, left + 26 * MM, y - 1, { width: 90 * MM });
    y += Math.max(9 * MM, doc.heightOfString(v, { width: 90 * MM }) + 3 * MM);
  }
  const qrSize = 30 * MM;
  drawQr(doc, qrMatrix(t.ticketNo), W - 24 * MM - qrSize, 100 * MM, qrSize);

  y = 172 * MM;
  doc.font("cjk-bold").fontSize(12).fillColor("#1f4e79").text("考试须知", left, y);
  const notes = [
    "凭本准考证和本人有效身份证件入场，现场核验身份并拍照。",
    `考试开始 ${t.lateEntryMinutes} 分钟后不得入场，按缺考处理。`,
    "考试为计算机考试，服务器计时；断电或断网时答题进度会保留，恢复后继续作答，不损失考试时间。",
    "离开座位须经监考员同意；禁止重启或操作与考试无关的设备。",
    "成绩于考试结束后在规定时间内公布，合格者由发证机关核发从业资格证。",
  ];
  doc.font("cjk").fontSize(10.5).fillColor("#1f2d3d");
  y += 8 * MM;
  notes.forEach((n, i) => {
    doc.text(`${i + 1}. ${n}`, left, y, { width: W - 2 * left, lineGap: 2 });
    y = doc.y + 2 * MM;
  });
  return toBuffer(doc);
}
