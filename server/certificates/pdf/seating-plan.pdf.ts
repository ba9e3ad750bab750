import { CATEGORIES } from "../../contracts/categories.js";
import type { SeatMapDto } from "../../contracts/scheduling.js";
import { errors } from "../../lib/errors.js";
import { formatLocal } from "../../lib/local-time.js";
import { newDocument, toBuffer } from "./certificate.pdf.js";

export interface SeatingPlanPdfData {
  map: SeatMapDto;
  /** IANA time zone the times are printed in (the node's TIME_ZONE). */
  timeZone: string;
  /** When the plan was printed: shown in the footer and the PDF's dates (keeps rendering pure). */
  preparedAt: Date;
}

const MM = 72 / 25.4;
const INK = "#1f2d3d";
const MUTED = "#5a6270";
const BLUE = "#1f4e79";
const PER_ROW = 5;
const LIST_ROWS_PER_PAGE = 30;

/**
 * The seating plan (座位表) of one session, for the door of the room and the proctor's desk: page
 * one is the room as seen from the front (讲台 on top, seats by number, each with the candidate's
 * name and ticket number, unbound seats marked), the following pages the sign-in sheet (签到表) by
 * seat. A pure function of the seat map: no ID numbers (the plan hangs on a door), nothing secret;
 * a cancelled session has none (`session_cancelled`).
 */
export async function renderSeatingPlanPdf(data: SeatingPlanPdfData): Promise<Buffer> {
  const { map, timeZone } = data;
  const s = map.session;
  // Refused, not stamped: a plan on the door or a sign-in sheet on the desk would still gather the
  // candidates of a sitting that will not take place (the seat map itself stays readable).
  if (s.status === "cancelled")
    throw errors.conflict("session_cancelled", "该考试场次已取消，不能打印座位表");
  const category = CATEGORIES[s.categoryCode];
  const doc = newDocument({
    title: `座位表 ${s.testCentreName} ${s.roomName} ${formatLocal(s.startsAt, timeZone)}`,
    author: s.testCentreName,
    subject: `道路运输从业人员从业资格考试座位表 ${category}`,
    keywords: `座位表, ${category}`,
    at: data.preparedAt,
  });
  const W = doc.page.width;
  const H = doc.page.height;
  const left = 15 * MM;
  const width = W - 2 * left;
  const when = `${formatLocal(s.startsAt, timeZone)} 起 ${s.durationMinutes} 分钟`;

  const header = (title: string) => {
    doc
      .font("cjk-bold")
      .fontSize(18)
      .fillColor(INK)
      .text(title, 0, 16 * MM, { width: W, align: "center" });
    doc
      .font("cjk")
      .fontSize(10.5)
      .fillColor(MUTED)
      .text(`${category} · ${s.testCentreName} ${s.roomName} · ${when}`, 0, 26 * MM, {
        width: W,
        align: "center",
      });
  };
  const footer = (page: number) => {
    doc
      .font("cjk")
      .fontSize(8.5)
      .fillColor(MUTED)
      .text(`打印时间 ${formatLocal(data.preparedAt, timeZone)} · 第 ${page} 页`, left, H - 14 * MM, {
        width,
        align: "center",
        lineBreak: false,
      });
  };

  header("考 场 座 位 表");
  const seated = map.seats.filter((x) => x.assignment).length;
  const unbound = map.seats.filter((x) => !x.bound).length;
  doc
    .fontSize(10)
    .fillColor(INK)
    .text(
      `座位 ${map.seats.length} 个，已安排 ${seated} 人${unbound ? `；${unbound} 个座位未绑定考试机，考生无法在该座位登录` : ""}`,
      left,
      34 * MM,
      { width },
    );

  // The room from the front: the desk on top, seats in rows of five by number.
  let y = 42 * MM;
  doc
    .lineWidth(0.8)
    .strokeColor(BLUE)
    .rect(left + width / 3, y, width / 3, 8 * MM)
    .stroke();
  doc
    .font("cjk-bold")
    .fontSize(11)
    .fillColor(BLUE)
    .text("讲  台", left + width / 3, y + 2.2 * MM, { width: width / 3, align: "center" });
  y += 14 * MM;
  const gap = 3 * MM;
  const boxW = (width - gap * (PER_ROW - 1)) / PER_ROW;
  const rows = Math.ceil(map.seats.length / PER_ROW);
  // Shrink the boxes so any room up to the largest (a few hundred seats) fits the first page.
  const boxH = Math.min(24 * MM, (H - 22 * MM - y - gap * rows) / Math.max(1, rows));
  const seats = [...map.seats].sort((a, b) => a.seatNo - b.seatNo);
  seats.forEach((seat, i) => {
    const x = left + (i % PER_ROW) * (boxW + gap);
    const top = y + Math.floor(i / PER_ROW) * (boxH + gap);
    // Unbound seats are drawn dashed and red: a candidate there cannot log in until it is bound.
    doc.lineWidth(0.6).strokeColor(seat.bound ? "#8a94a6" : "#c0392b");
    if (!seat.bound) doc.dash(2, { space: 2 });
    doc.rect(x, top, boxW, boxH).stroke().undash();
    const scale = Math.min(1, boxH / (24 * MM));
    doc
      .font("cjk-bold")
      .fontSize(14 * scale)
      .fillColor(BLUE)
      .text(String(seat.seatNo), x + 2 * MM, top + 1.5 * MM * scale, {
        width: boxW - 4 * MM,
        lineBreak: false,
      });
    if (!seat.bound)
      doc
        .font("cjk")
        .fontSize(7.5 * scale)
        .fillColor("#c0392b")
        .text("未绑定", x + 2 * MM, top + 2 * MM * scale, {
          width: boxW - 4 * MM,
          align: "right",
          lineBreak: false,
        });
    const a = seat.assignment;
    doc
      .font(a ? "cjk-bold" : "cjk")
      .fontSize(12 * scale)
      .fillColor(a ? INK : MUTED)
      .text(a ? a.name : "空座", x + 2 * MM, top + 9 * MM * scale, {
        width: boxW - 4 * MM,
        align: "center",
        lineBreak: false,
        ellipsis: true,
      });
    if (a)
      doc
        .font("cjk")
        .fontSize(8 * scale)
        .fillColor(MUTED)
        .text(a.ticketNo, x + 2 * MM, top + 16 * MM * scale, {
          width: boxW - 4 * MM,
          align: "center",
          lineBreak: false,
        });
  });
  footer(1);

  // The sign-in sheet: one line per seated candidate, in seat order, with room to sign.
  const list = seats.filter((x) => x.assignment);
  const cols = [
    { title: "座位号", w: 18 * MM },
    { title: "姓名", w: 40 * MM },
    { title: "准考证号", w: 50 * MM },
    { title: "签到时间", w: 30 * MM },
    { title: "考生签名", w: width - 138 * MM },
  ];
  for (let start = 0, page = 2; start < list.length; start += LIST_ROWS_PER_PAGE, page++) {
    doc.addPage({ size: "A4", margin: 0 });
    header("签 到 表");
    let rowY = 36 * MM;
    const rowH = 7.6 * MM;
    const drawRow = (cells: string[], bold: boolean) => {
      let x = left;
      cells.forEach((text, c) => {
        const col = cols[c];
        if (!col) return;
        doc.lineWidth(0.5).strokeColor("#8a94a6").rect(x, rowY, col.w, rowH).stroke();
        doc
          .font(bold ? "cjk-bold" : "cjk")
          .fontSize(10)
          .fillColor(INK)
          .text(text, x + 1.5 * MM, rowY + 2 * MM, {
            width: col.w - 3 * MM,
            lineBreak: false,
            ellipsis: true,
          });
        x += col.w;
      });
      rowY += rowH;
    };
    drawRow(
      cols.map((c) => c.title),
      true,
    );
    for (const seat of list.slice(start, start + LIST_ROWS_PER_PAGE))
      drawRow(
        [String(seat.seatNo), seat.assignment?.name ?? "", seat.assignment?.ticketNo ?? "", "", ""],
        false,
      );
    footer(page);
  }
  return toBuffer(doc);
}
