import { expect } from "chai";
import JSZip from "jszip";
import { useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { xlsxFromXml, xmlRow, xmlText } from "../../helpers/xlsx-xml.js";
import { aRow, HEADERS, textOf, upload } from "./import-support.js";

type XmlCell = Parameters<typeof xmlRow>[1][number];

/**
 * A registration workbook written from XML (test/helpers/xlsx-xml.ts) whose styles hold the number
 * `formats` (ids from 164): each row's cells by header, a number cell as `{ number, format }` with
 * `format` the index of its format in `formats`.
 */
async function formattedXlsx(rows: Record<string, unknown>[], formats: string[]): Promise<Buffer> {
  const cells = (row: Record<string, unknown>): XmlCell[] =>
    HEADERS.map((h) => {
      const v = row[h] as { number: number; format: number } | string | undefined;
      if (typeof v === "object") return { attrs: `s="${1 + v.format}"`, xml: `<v>${v.number}</v>` };
      return textOf(v);
    });
  const bytes = await xlsxFromXml({
    rows: [xmlRow(1, [...HEADERS]), ...rows.map((r, i) => xmlRow(i + 2, cells(r)))],
  });
  const zip = await JSZip.loadAsync(bytes);
  const styles = await zip.file("xl/styles.xml")!.async("string");
  const numFmts = formats
    .map((f, i) => `<numFmt numFmtId="${164 + i}" formatCode="${xmlText(f)}"/>`)
    .join("");
  const xfs = formats
    .map(
      (_, i) =>
        `<xf numFmtId="${164 + i}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`,
    )
    .join("");
  zip.file(
    "xl/styles.xml",
    styles
      .replace("<fonts", `<numFmts count="${formats.length}">${numFmts}</numFmts><fonts`)
      .replace(
        /<cellXfs count="1">([\s\S]*?)<\/cellXfs>/,
        (_, xf: string) => `<cellXfs count="${1 + formats.length}">${xf}${xfs}</cellXfs>`,
      ),
  );
  return zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" });
}

const column = (header: (typeof HEADERS)[number]) => String.fromCharCode(65 + HEADERS.indexOf(header));

describe("registration: bulk import of number cells read as their number format shows them", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  const stored = () => env.node.ctx.conn.collection("registration_imports").countDocuments();

  it("when 手机号 is a number under a format the reader cannot show (000-0000-0000), then the file is refused with import_number_format_unknown naming the row, column and format, and nothing is stored", async () => {
    const before = await stored();
    const bytes = await formattedXlsx(
      [aRow(), aRow({ 手机号: { number: 13912345678, format: 0 } })],
      ["000-0000-0000"],
    );
    const res = await upload(officer, "formats.xlsx", bytes).expect(422);
    expect(res.body.error.code).to.equal("import_number_format_unknown");
    expect(res.body.error.message)
      .to.contain(`第 3 行 ${column("手机号")} 列（手机号）`)
      .and.to.contain("「000-0000-0000」")
      .and.to.contain("13912345678")
      .and.to.contain("设为文本");
    expect(res.body.error.details.problems).to.have.length(1);
    expect(await stored()).to.equal(before);
  });

  it("when 住址行政区划代码 is a number under a zero-padded format (000000), then it reads as Excel shows it (032102), not as the bare number 32102", async () => {
    const bytes = await formattedXlsx([aRow({ 住址行政区划代码: { number: 32102, format: 0 } })], ["000000"]);
    const preview = await upload(officer, "zeros.xlsx", bytes).expect(200);
    const problems = preview.body.rows[0].problems as { code: string; message: string }[];
    expect(problems.map((p) => p.code)).to.deep.equal(["unknown_division"]);
    expect(problems[0]?.message).to.contain("「032102」");
  });

  it("when 手机号 is a number under a plain format (0), then the row reads it as shown and is accepted", async () => {
    const bytes = await formattedXlsx([aRow({ 手机号: { number: 13912345678, format: 0 } })], ["0"]);
    const preview = await upload(officer, "plain.xlsx", bytes).expect(200);
    expect(preview.body.rows[0].problems).to.deep.equal([]);
    expect(preview.body).to.include({ accepted: 1, refused: 0 });
  });
});
