import { expect } from "chai";
import { FileRefusal } from "../../../server/lib/file-refusal.js";
import {
  readXlsxRows,
  readXlsxRowsWhole,
  type SheetRow,
  type XlsxReadOptions,
} from "../../../server/lib/xlsx-rows.js";
import { xlsxFromXml, xmlRow } from "../../helpers/xlsx-xml.js";

/**
 * A number, logical (t="b") or error (t="e") cell whose <v> a program wrote empty or malformed is
 * read by exceljs with parseFloat/parseInt, differently by its two readers: an empty logical value
 * read as TRUE by the stream and as blank by the whole-file read, "12abc" as 12, an empty error cell
 * at the end of a row as nothing. Every case here goes through both readers (the stream, and the
 * whole-file read readXlsxRows falls back to), which must give the same answer: the value Excel
 * shows, or a refusal naming the cell.
 */

type Outcome = { rows: string[][] } | { refused: string };

async function outcomeOf(read: () => Promise<SheetRow[]>): Promise<Outcome> {
  try {
    return { rows: (await read()).map((r) => r.fields) };
  } catch (err) {
    expect(err).to.be.instanceOf(FileRefusal);
    return { refused: (err as Error).message };
  }
}

/** What both readers make of `bytes`, checked to be the same. */
async function bothReaders(bytes: Buffer, options: XlsxReadOptions = {}): Promise<Outcome> {
  const stream = await outcomeOf(async () => {
    const out: SheetRow[] = [];
    for await (const r of readXlsxRows(bytes, options)) out.push(r);
    return out;
  });
  const whole = await outcomeOf(() => readXlsxRowsWhole(bytes, options));
  expect(whole, "the whole-file reader against the stream").to.deep.equal(stream);
  return stream;
}

function refusedWith(outcome: Outcome): string {
  if (!("refused" in outcome)) throw new Error(`the file was read, not refused: ${JSON.stringify(outcome)}`);
  return outcome.refused;
}

function rowsOf(outcome: Outcome): string[][] {
  if (!("rows" in outcome)) throw new Error(`the file was refused: ${outcome.refused}`);
  return outcome.rows;
}

const HEADER = xmlRow(1, ["姓名", "分值", "备注"]);
type Cell = { attrs?: string; xml: string };

/** The file with `cell` at B2, between two text cells, or last in its row. */
async function withCell(cell: Cell, place: "middle" | "last" = "middle"): Promise<Buffer> {
  return xlsxFromXml({
    rows: [HEADER, xmlRow(2, place === "middle" ? ["张三", cell, "x"] : ["张三", cell])],
  });
}

/** The file with `cell` alone on row 3 (B3), after a row of text. */
async function aloneOnItsRow(cell: Cell): Promise<Buffer> {
  const attrs = cell.attrs ? ` ${cell.attrs}` : "";
  return xlsxFromXml({
    rows: [HEADER, xmlRow(2, ["张三"]), `<row r="3"><c r="B3"${attrs}>${cell.xml}</c></row>`],
  });
}

const EMPTY_VALUES = ["<v></v>", "<v/>", "<v> </v>"];

describe("the XLSX readers: number, logical and error cells as a program may write them", () => {
  it("when a logical cell's <v> is empty, then both readers refuse it naming the cell, wherever it stands in its row", async () => {
    for (const xml of EMPTY_VALUES)
      for (const place of ["middle", "last"] as const) {
        const message = refusedWith(await bothReaders(await withCell({ attrs: 't="b"', xml }, place)));
        expect(message, `${xml} ${place}`).to.contain("第 2 行 B 列是逻辑值单元格，但其中没有值");
      }
  });

  it("when a number cell's <v> is empty, then both readers refuse it naming the cell, wherever it stands in its row", async () => {
    for (const xml of EMPTY_VALUES)
      for (const attrs of [undefined, 't="n"'])
        for (const place of ["middle", "last"] as const) {
          const message = refusedWith(await bothReaders(await withCell({ attrs, xml }, place)));
          expect(message, `${attrs} ${xml} ${place}`)
            .to.contain("第 2 行 B 列是数值单元格，但其中没有可读的数字")
            .and.not.to.contain("错误值");
        }
  });

  it("when a number cell's <v> only starts with a number (12abc, 1,5, 0x10), then both readers refuse it rather than read its first digits", async () => {
    for (const xml of ["<v>12abc</v>", "<v>1,5</v>", "<v>0x10</v>", "<v>Infinity</v>", "<v>1e400</v>"]) {
      const message = refusedWith(await bothReaders(await withCell({ xml })));
      expect(message, xml).to.contain("第 2 行 B 列是数值单元格，但其中没有可读的数字");
    }
  });

  it("when a number cell's <v> is a number as Excel or a program writes it, then both readers read it", async () => {
    const cases: [string, string][] = [
      ["12", "12"],
      ["-1.5", "-1.5"],
      ["1.2E-3", "0.0012"],
      ["1E+20", "100000000000000000000"],
      [".5", "0.5"],
      [" 7 ", "7"],
    ];
    for (const [v, read] of cases)
      expect(rowsOf(await bothReaders(await withCell({ xml: `<v>${v}</v>` })))[1], v).to.deep.equal([
        "张三",
        read,
        "x",
      ]);
  });

  it("when a logical cell holds anything but 0 or 1 (2, true, FALSE, -1), then both readers refuse it naming the cell and the value", async () => {
    for (const v of ["2", "true", "FALSE", "-1", "0.5"]) {
      const message = refusedWith(await bothReaders(await withCell({ attrs: 't="b"', xml: `<v>${v}</v>` })));
      expect(message, v).to.contain("第 2 行 B 列是逻辑值单元格").and.to.contain(`「${v}」`);
    }
  });

  it("when a logical cell holds 1 or 0, then both readers read it as true or false", async () => {
    const one = await bothReaders(await withCell({ attrs: 't="b"', xml: "<v>1</v>" }));
    const zero = await bothReaders(await withCell({ attrs: 't="b"', xml: "<v>0</v>" }));
    expect(rowsOf(one)[1]).to.deep.equal(["张三", "true", "x"]);
    expect(rowsOf(zero)[1]).to.deep.equal(["张三", "false", "x"]);
  });

  it("when an error cell's <v> is empty (anywhere in its row) or missing at the end of its row, then both readers refuse it as an Excel error", async () => {
    const cases: [string, "middle" | "last"][] = [
      ["<v></v>", "middle"],
      ["<v></v>", "last"],
      ["<v/>", "middle"],
      ["<v/>", "last"],
      ["", "last"],
    ];
    for (const [xml, place] of cases) {
      const message = refusedWith(await bothReaders(await withCell({ attrs: 't="e"', xml }, place)));
      expect(message, `${xml} ${place}`).to.contain("第 2 行 B 列是 Excel 错误值 #错误");
    }
  });

  it("when an error cell holds a real Excel error (#N/A), then both readers refuse it naming that error", async () => {
    // exceljs reads #N/A as NaN, as it reads an empty number: the refusal must still name the error.
    for (const place of ["middle", "last"] as const) {
      const message = refusedWith(
        await bothReaders(await withCell({ attrs: 't="e"', xml: "<v>#N/A</v>" }, place)),
      );
      expect(message, place).to.contain("第 2 行 B 列是 Excel 错误值 #N/A");
    }
  });

  it("when a cell with an empty value is alone on its row, then both readers refuse it rather than skip the row", async () => {
    const cases: [Cell, string][] = [
      [{ attrs: 't="b"', xml: "<v></v>" }, "第 3 行 B 列是逻辑值单元格"],
      [{ xml: "<v></v>" }, "第 3 行 B 列是数值单元格"],
      [{ attrs: 't="e"', xml: "<v></v>" }, "第 3 行 B 列是 Excel 错误值"],
    ];
    for (const [cell, says] of cases)
      expect(refusedWith(await bothReaders(await aloneOnItsRow(cell))), cell.xml).to.contain(says);
  });

  it("when a number, logical or shared-string cell has no <v> at all, then both readers read it as blank", async () => {
    for (const attrs of [undefined, 't="n"', 't="b"', 't="s"']) {
      const rows = rowsOf(await bothReaders(await withCell({ attrs, xml: "" })));
      expect(rows[1], attrs).to.deep.equal(["张三", "", "x"]);
    }
  });

  it("when a logical formula's saved result is 1 or 0, then both readers read it as true or false", async () => {
    const one = await bothReaders(await withCell({ attrs: 't="b"', xml: "<f>1=1</f><v>1</v>" }));
    const zero = await bothReaders(await withCell({ attrs: 't="b"', xml: "<f>1=2</f><v>0</v>" }));
    expect(rowsOf(one)[1]).to.deep.equal(["张三", "true", "x"]);
    expect(rowsOf(zero)[1]).to.deep.equal(["张三", "false", "x"]);
  });

  it("when a formula's saved result is not what its type holds (t=\"b\" with 2, a number 12abc), then both readers refuse it, and read it as the formula's text with formulas: text", async () => {
    const cases: [Cell, string][] = [
      [{ attrs: 't="b"', xml: "<f>A2&gt;0</f><v>2</v>" }, "=A2>0"],
      [{ xml: "<f>1+1</f><v>12abc</v>" }, "=1+1"],
    ];
    for (const [cell, formula] of cases) {
      const bytes = await withCell(cell);
      expect(refusedWith(await bothReaders(bytes)), cell.xml)
        .to.contain("第 2 行 B 列是公式")
        .and.to.contain("计算结果");
      expect(rowsOf(await bothReaders(bytes, { formulas: "text" }))[1], cell.xml).to.deep.equal([
        "张三",
        formula,
        "x",
      ]);
    }
  });

  it("when a formula's saved result is empty, then both readers still refuse it as a formula without a result", async () => {
    for (const attrs of [undefined, 't="b"']) {
      const message = refusedWith(await bothReaders(await withCell({ attrs, xml: "<f>1+1</f><v></v>" })));
      expect(message, attrs).to.contain("第 2 行 B 列是公式，但读不到文件中保存的计算结果");
    }
  });
});

describe("the XLSX readers: shared-string cells whose index a program wrote wrong", () => {
  const STRINGS = ["<si><t>李四</t></si>", "<si><t>备注甲</t></si>"];

  /** The file with a shared-string cell `<v>` at B2 (between two text cells, or last in its row). */
  async function withIndex(v: string | undefined, place: "middle" | "last" = "middle"): Promise<Buffer> {
    const cell = { attrs: 't="s"', xml: v === undefined ? "<v/>" : `<v>${v}</v>` };
    return xlsxFromXml({
      rows: [HEADER, xmlRow(2, place === "middle" ? ["张三", cell, "x"] : ["张三", cell])],
      sharedStrings: STRINGS,
    });
  }

  it("when a shared-string cell's index is past the end of the shared strings, then both readers refuse it naming the cell, wherever it stands in its row", async () => {
    for (const v of ["2", "7", "4294967296"])
      for (const place of ["middle", "last"] as const) {
        const message = refusedWith(await bothReaders(await withIndex(v, place)));
        expect(message, `${v} ${place}`)
          .to.contain("第 2 行 B 列引用的共享文本不存在")
          .and.not.to.contain("Cannot read");
      }
  });

  it("when a shared-string cell's index is empty or not a whole number (1.5, -1, x), then both readers refuse it naming the cell", async () => {
    for (const v of [undefined, "", " ", "1.5", "-1", "x", "1e0", "0x1"]) {
      const message = refusedWith(await bothReaders(await withIndex(v)));
      expect(message, String(v)).to.contain("第 2 行 B 列引用的共享文本不存在");
    }
  });

  it("when a shared-string cell's index is a whole number below the count, then both readers read the string", async () => {
    const cases: [string, string][] = [
      ["0", "李四"],
      ["1", "备注甲"],
      [" 1 ", "备注甲"],
    ];
    for (const [v, read] of cases)
      expect(rowsOf(await bothReaders(await withIndex(v)))[1], v).to.deep.equal(["张三", read, "x"]);
  });
});
