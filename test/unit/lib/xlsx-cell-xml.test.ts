import { expect } from "chai";
import type { SheetRow, XlsxReadOptions } from "../../../server/lib/xlsx-rows.js";
import { readAllXlsxRows, xlsxFromXml, xlsxRefusal, xmlRow } from "../../helpers/xlsx-xml.js";

const HEADER = xmlRow(1, ["姓名", "备注"]);

const rows = readAllXlsxRows;
const refusal = xlsxRefusal;

/** The second row's cells of a sheet whose second row is `cells`. */
async function secondRow(
  cells: Parameters<typeof xmlRow>[1],
  sharedStrings?: string[],
  options?: XlsxReadOptions,
): Promise<SheetRow | undefined> {
  return (await rows(await xlsxFromXml({ rows: [HEADER, xmlRow(2, cells)], sharedStrings }), options))[1];
}

describe("the XLSX reader: cells the streaming reader reads by their last <t> or by their raw value", () => {
  it("when a cell is inline rich text (as openpyxl writes it), then it reads as all its runs, not the last one", async () => {
    const row = await secondRow([
      { attrs: 't="inlineStr"', xml: "<is><r><t>张</t></r><r><rPr><b/></rPr><t>三丰</t></r></is>" },
    ]);
    expect(row?.fields).to.deep.equal(["张三丰"]);
  });

  it("when an inline rich text run is superscript, then it is written with ^ and noted, as shared rich text is", async () => {
    const row = await secondRow([
      {
        attrs: 't="inlineStr"',
        xml: '<is><r><t>10</t></r><r><rPr><vertAlign val="superscript"/></rPr><t>3</t></r></is>',
      },
    ]);
    expect(row?.fields).to.deep.equal(["10^3"]);
    expect(row?.notes.join()).to.contain("A 列").and.to.contain("上标");
  });

  it("when a shared string carries a phonetic guide, then it reads as its text, not as the guide", async () => {
    const row = await secondRow(
      [
        { attrs: 't="s"', xml: "<v>0</v>" },
        { attrs: 't="s"', xml: "<v>1</v>" },
      ],
      [
        '<si><t>张三</t><rPh sb="0" eb="2"><t>チョウサン</t></rPh><phoneticPr fontId="1"/></si>',
        "<si><t>备注</t></si>",
      ],
    );
    expect(row?.fields).to.deep.equal(["张三", "备注"]);
  });

  it("when an inline string carries a phonetic guide, then it reads as its text, not as the guide", async () => {
    const row = await secondRow([
      { attrs: 't="inlineStr"', xml: '<is><t>张三</t><rPh sb="0" eb="2"><t>チョウサン</t></rPh></is>' },
    ]);
    expect(row?.fields).to.deep.equal(["张三"]);
  });

  it("when an inline string holds text that looks like an XML entity, then it reads as written, not decoded twice", async () => {
    const row = await secondRow([{ attrs: 't="inlineStr"', xml: "<is><t>A&amp;lt;B</t></is>" }]);
    expect(row?.fields).to.deep.equal(["A&lt;B"]);
  });

  it('when a cell is an ISO date cell (t="d"), then it reads as its day, not as the year', async () => {
    const row = await secondRow(["张三", { attrs: 't="d"', xml: "<v>2012-03-01T00:00:00Z</v>" }]);
    expect(row?.fields).to.deep.equal(["张三", "2012-03-01"]);
  });

  it('when a formula\'s cached result is an ISO date (t="d"), then it reads as its day', async () => {
    const row = await secondRow(["张三", { attrs: 't="d"', xml: "<f>DATE(2012,3,1)</f><v>2012-03-01</v>" }]);
    expect(row?.fields).to.deep.equal(["张三", "2012-03-01"]);
  });

  it("when an ISO date cell holds no day Excel can show, then the file is refused naming the cell", async () => {
    const bytes = await xlsxFromXml({
      rows: [HEADER, xmlRow(2, ["张三", { attrs: 't="d"', xml: "<v>T08:30:00</v>" }])],
    });
    expect(await refusal(bytes))
      .to.contain("第 2 行 B 列")
      .and.to.contain("日期");
  });

  it("when a formula has no cached result (as openpyxl writes formulas), then the file is refused naming the cell", async () => {
    const bytes = await xlsxFromXml({
      rows: [HEADER, xmlRow(2, ["张三", { xml: '<f>"02"&amp;"001"</f>' }])],
    });
    expect(await refusal(bytes))
      .to.contain("第 2 行 B 列")
      .and.to.contain("计算结果");
  });

  it("when a formula has no cached result but formulas are read as text, then it reads as its formula", async () => {
    const row = await secondRow(["张三", { xml: "<f>A2</f>" }], undefined, { formulas: "text" });
    expect(row?.fields).to.deep.equal(["张三", "=A2"]);
  });
});
