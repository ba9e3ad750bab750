import { expect } from "chai";
import ExcelJS from "exceljs";
import { showNumber } from "../../../server/lib/xlsx-rows.js";
import { parseImportFileAsync } from "../../../server/question-bank/index.js";

type Cell = string | number | { value: number; numFmt: string };

/** A roadcert sheet with one single-choice question whose options are the given cells. */
async function sheetWithOptions(options: [Cell, Cell, Cell, Cell]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("题目");
  sheet.addRow(["ref", "type", "stem", "A", "B", "C", "D", "answer", "chapter", "categories"]);
  const row = sheet.addRow([
    "FMT-1",
    "single",
    "道路交通事故中轻伤者的比例约为多少",
    "",
    "",
    "",
    "",
    "B",
    "安全行车",
    "01001",
  ]);
  options.forEach((o, i) => {
    const cell = row.getCell(4 + i);
    if (typeof o === "object") {
      cell.value = o.value;
      cell.numFmt = o.numFmt;
    } else cell.value = o;
  });
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

const optionTexts = async (content: Buffer) => {
  const parsed = await parseImportFileAsync({ name: "formats.xlsx", content });
  expect(parsed.fileErrors).to.deep.equal([]);
  const [item] = parsed.items;
  return { item, texts: item?.question?.options.map((o) => o.text) };
};

describe("question import: formatted number cells in XLSX", () => {
  it("when options are percentages (format 0%), then they import as the 10%/30%/50%/100% the examiner sees", async () => {
    const { item, texts } = await optionTexts(
      await sheetWithOptions([
        { value: 0.1, numFmt: "0%" },
        { value: 0.3, numFmt: "0%" },
        { value: 0.5, numFmt: "0%" },
        { value: 1, numFmt: "0%" },
      ]),
    );
    expect(item?.outcome).to.equal("ok");
    expect(texts).to.deep.equal(["10%", "30%", "50%", "100%"]);
  });

  it("when options carry decimal, thousands and percent-with-decimals formats, then each imports as shown", async () => {
    const { texts } = await optionTexts(
      await sheetWithOptions([
        { value: 2.5, numFmt: "0.00" },
        { value: 12345, numFmt: "#,##0" },
        { value: 0.125, numFmt: "0.0%" },
        7,
      ]),
    );
    expect(texts).to.deep.equal(["2.50", "12,345", "12.5%", "7"]);
  });

  it("when an option has a number format the importer cannot show (currency, fraction), then the item is refused naming the column, not imported as the bare number", async () => {
    const content = await sheetWithOptions([
      { value: 20, numFmt: '"¥"#,##0.00' },
      { value: 0.5, numFmt: "# ?/?" },
      "三十元",
      "四十元",
    ]);
    const parsed = await parseImportFileAsync({ name: "formats.xlsx", content });
    const [item] = parsed.items;
    expect(item?.outcome).to.equal("invalid");
    expect(item?.code).to.equal("number_format_unknown");
    expect(item?.notes.join("；")).to.contain("D 列").and.to.contain("E 列").and.to.contain("文本格式");
  });

  it("when a number is rounded by its format, then it rounds half away from zero in decimal, as Excel shows it", () => {
    expect(showNumber(2.345, "0.00")).to.equal("2.35");
    expect(showNumber(1.005, "0.00")).to.equal("1.01");
    expect(showNumber(-2.5, "0")).to.equal("-3");
    expect(showNumber(-1234567.891, "#,##0.00")).to.equal("-1,234,567.89");
    expect(showNumber(0.5, "General")).to.equal("0.5");
    expect(showNumber(0.5, "0.0E+00")).to.equal(null);
  });
});
