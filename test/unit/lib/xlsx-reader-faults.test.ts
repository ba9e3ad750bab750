import { expect } from "chai";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import { readCsvRows } from "../../../server/lib/csv.js";
import { FileRefusal } from "../../../server/lib/file-refusal.js";
import { readAllXlsxRows, xlsxRefusal } from "../../helpers/xlsx-xml.js";

/** A one-sheet workbook: a header row, then `fill` shapes the sheet. */
async function workbook(fill: (sheet: ExcelJS.Worksheet, book: ExcelJS.Workbook) => void): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet("报名");
  sheet.addRow(["姓名", "身份证号", "行政区划代码"]);
  fill(sheet, book);
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** The workbook with some of its parts rewritten (what exceljs's writer cannot produce). */
async function patched(bytes: Buffer, edit: (zip: JSZip) => Promise<void>): Promise<Buffer> {
  const zip = await JSZip.loadAsync(bytes);
  await edit(zip);
  return zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" });
}

const rows = readAllXlsxRows;
const refusal = xlsxRefusal;

describe("the XLSX reader: what the streaming reader would misread is refused or read as Excel shows it", () => {
  it("when a cell holds an Excel error (#N/A), then the file is refused naming the row and column", async () => {
    const bytes = await workbook((s) => s.addRow(["张三", "110101199001011234", { error: "#N/A" }]));
    expect(await refusal(bytes))
      .to.contain("第 2 行 C 列")
      .and.to.contain("#N/A");
  });

  it("when a formula's cached result is an error, then the file is refused naming the error, not read as NaN", async () => {
    const bytes = await workbook((s) =>
      s.addRow([
        { formula: "VLOOKUP(1,Z1:Z2,2,FALSE)", result: { error: "#N/A" } },
        "110101199001011234",
        "110101",
      ]),
    );
    expect(await refusal(bytes))
      .to.contain("第 2 行 A 列")
      .and.to.contain("#N/A");
  });

  it("when cells are merged over rows, then the file is refused naming the rows and column, not read as blanks", async () => {
    const bytes = await workbook((s) => {
      s.addRow(["张三", "110101199001011234", "110101"]);
      s.addRow(["李四", "110101199001011235", ""]);
      s.mergeCells("C2:C3");
    });
    expect(await refusal(bytes)).to.contain("第 2–3 行 C 列是合并单元格");
  });

  it("when the first sheet is hidden, then the file is refused", async () => {
    const bytes = await workbook((s, book) => {
      s.state = "hidden";
      book.addWorksheet("其他").addRow(["x"]);
    });
    expect(await refusal(bytes)).to.contain("隐藏");
  });

  it("when a row is hidden (as an AutoFilter hides it), then the file is refused naming the row", async () => {
    const bytes = await workbook((s) => {
      s.addRow(["张三", "110101199001011234", "110101"]);
      s.addRow(["李四", "110101199001011235", "110101"]).hidden = true;
    });
    expect(await refusal(bytes))
      .to.contain("第 3 行")
      .and.to.contain("隐藏");
  });

  it("when a column is hidden, then the file is refused naming the column, not read with cells nobody saw", async () => {
    const bytes = await workbook((s) => {
      s.addRow(["张三", "110101199001011234", "110101"]);
      s.getColumn(2).hidden = true;
    });
    const message = await refusal(bytes);
    expect(message).to.contain("B 列").and.to.contain("隐藏");
    expect(message).not.to.contain("行是隐藏行");
  });

  it("when only empty columns are hidden (the unused ones, for a tidy sheet), then the rows are read", async () => {
    const bytes = await workbook((s) => {
      s.addRow(["张三", "110101199001011234", "110101"]);
      s.getColumn(4).hidden = true;
      s.getColumn(5).hidden = true;
    });
    const read = await rows(bytes);
    expect(read.map((r) => r.fields[0])).to.deep.equal(["姓名", "张三"]);
  });

  /** The sheet with `<sheetFormatPr zeroHeight="1">`: every row not marked visible is hidden. */
  const rowsHiddenByDefault = (bytes: Buffer) =>
    patched(bytes, async (zip) => {
      const part = "xl/worksheets/sheet1.xml";
      const xml = (await zip.file(part)?.async("string")) ?? "";
      zip.file(part, xml.replace("<sheetFormatPr ", '<sheetFormatPr zeroHeight="1" '));
    });

  it("when the sheet hides every row by default (zeroHeight), then the file is refused naming a row Excel does not show", async () => {
    const bytes = await rowsHiddenByDefault(
      await workbook((s) => {
        s.getRow(1).height = 15;
        s.addRow(["张三", "110101199001011234", "110101"]);
      }),
    );
    expect(await refusal(bytes))
      .to.contain("第 2 行")
      .and.to.contain("隐藏");
  });

  it("when the sheet hides rows by default but every row is given a height (shown), then the rows are read", async () => {
    const bytes = await rowsHiddenByDefault(
      await workbook((s) => {
        s.getRow(1).height = 15;
        s.addRow(["张三", "110101199001011234", "110101"]).height = 15;
      }),
    );
    const read = await rows(bytes);
    expect(read.map((r) => r.fields[0])).to.deep.equal(["姓名", "张三"]);
  });

  /** Two candidates' rows, the second (sheet row 3) given a height of zero and no hidden mark. */
  const withRowThreeZeroHigh = async () =>
    patched(
      await workbook((s) => {
        s.addRow(["张三", "110101199001011234", "110101"]);
        s.addRow(["李四", "110101199001011250", "110101"]);
      }),
      async (zip) => {
        const part = "xl/worksheets/sheet1.xml";
        const xml = (await zip.file(part)?.async("string")) ?? "";
        zip.file(part, xml.replace('<row r="3"', '<row r="3" ht="0" customHeight="1"'));
      },
    );

  it("when a row has a height of zero but no hidden mark, then the file is refused naming it (Excel shows nothing of it)", async () => {
    const zeroHeight = await withRowThreeZeroHigh();
    expect(await refusal(zeroHeight))
      .to.contain("第 3 行")
      .and.to.contain("隐藏");
  });

  it("when a row has a height of zero in a sheet that hides no row by default, then the refusal says the row's height is zero, not that rows are hidden by default", async () => {
    const zeroHeight = await withRowThreeZeroHigh();
    const message = await refusal(zeroHeight);
    expect(message).to.contain("第 3 行").and.to.contain("行高为 0");
    expect(message).not.to.contain("默认隐藏");
  });

  it("when the sheet hides rows by default and a row gives no height, then the refusal says the sheet hides rows by default", async () => {
    const bytes = await rowsHiddenByDefault(
      await workbook((s) => {
        s.getRow(1).height = 15;
        s.addRow(["张三", "110101199001011234", "110101"]);
      }),
    );
    const message = await refusal(bytes);
    expect(message).to.contain("第 2 行").and.to.contain("默认隐藏");
    expect(message).not.to.contain("行高为 0");
  });

  /** The sheet with `count` hidden, empty one-column ranges from column 1000 on, and `cols` put first. */
  const manyHiddenColumns = (bytes: Buffer, count: number, cols = "") =>
    patched(bytes, async (zip) => {
      const part = "xl/worksheets/sheet1.xml";
      const xml = (await zip.file(part)?.async("string")) ?? "";
      let ranges = cols;
      for (let c = 1000; c < 1000 + count; c++) ranges += `<col min="${c}" max="${c}" width="9" hidden="1"/>`;
      zip.file(part, xml.replace(/<cols>[\s\S]*?<\/cols>|(?=<sheetData)/, `<cols>${ranges}</cols>`));
    });

  it("when a sheet declares thousands of hidden empty columns and a value sits in a hidden column far right, then the file is refused naming that column", async function () {
    this.timeout(20_000);
    const bytes = await manyHiddenColumns(
      await workbook((s) => {
        const row = s.addRow(["张三", "110101199001011234", "110101"]);
        row.getCell(16_000).value = "藏";
      }),
      15_000,
      '<col min="16000" max="16000" width="9" hidden="1"/>',
    );
    const message = await refusal(bytes);
    expect(message).to.contain("WQJ 列").and.to.contain("隐藏列");
  });

  it("when a sheet declares thousands of hidden empty columns and values only in shown columns, then the rows are read", async function () {
    this.timeout(20_000);
    const bytes = await manyHiddenColumns(
      await workbook((s) => {
        for (let i = 0; i < 200; i++) s.addRow([`张${i}`, "110101199001011234", "110101"]);
      }),
      15_000,
    );
    const read = await rows(bytes);
    expect(read).to.have.length(201);
  });

  it("when a <col> range runs past the sheet's last column, then it is read as ending at XFD and a value in it is refused", async () => {
    const bytes = await manyHiddenColumns(
      await workbook((s) => {
        s.addRow(["张三", "110101199001011234", "110101"]).getCell(16_384).value = "藏";
      }),
      0,
      '<col min="16380" max="99999" width="9" hidden="1"/>',
    );
    expect(await refusal(bytes)).to.contain("XFD 列");
  });

  it("when a date cell uses the Chinese built-in format 31 (2004年7月1日), then it reads as the day, not the serial 38169", async () => {
    const plain = await workbook((s) => {
      const cell = s.addRow(["张三", "110101199001011234", 38169]).getCell(3);
      cell.numFmt = "0.000"; // a custom format, id 164, rewritten below to built-in 31
    });
    const bytes = await patched(plain, async (zip) => {
      const styles = await zip.file("xl/styles.xml")!.async("string");
      zip.file(
        "xl/styles.xml",
        styles
          .replace(/<numFmt [^>]*numFmtId="164"[^>]*\/>/, "")
          .replaceAll('numFmtId="164"', 'numFmtId="31"'),
      );
    });
    const [, row] = await rows(bytes);
    expect(row?.fields[2]).to.equal("2004-07-01");
  });

  it("when a 16-digit number is in a cell, then its column is flagged imprecise (Excel keeps 15 digits)", async () => {
    const bytes = await workbook((s) => s.addRow(["张三", 1234567890123456, "110101"]));
    const [, row] = await rows(bytes);
    expect(row?.imprecise).to.deep.equal([1]);
  });

  /** One candidate's row, with `size` zero bytes packed beside it (they compress to almost nothing). */
  const withPadding = async (size: number) =>
    patched(await workbook((s) => s.addRow(["张三", "110101199001011234", "110101"])), async (zip) => {
      zip.file("xl/media/padding.bin", Buffer.alloc(size));
    });

  it("when an entry unzips to more than the bound, then the file is refused before it is read", async function () {
    this.timeout(20_000);
    const bytes = await withPadding(80 * 1024 * 1024);
    expect(bytes.length).to.be.below(2 * 1024 * 1024);
    expect(await refusal(bytes)).to.contain("解压后超过");
  });

  it("when the central directory understates an entry's size, then the file is refused", async function () {
    this.timeout(20_000);
    const bytes = await withPadding(8 * 1024 * 1024);
    // Rewrite the padding entry's declared size in the central directory to 1 KB.
    const name = Buffer.from("xl/media/padding.bin");
    for (let i = bytes.length - 46; i >= 0; i--) {
      if (bytes.readUInt32LE(i) === 0x02014b50 && bytes.subarray(i + 46, i + 46 + name.length).equals(name)) {
        bytes.writeUInt32LE(1024, i + 24);
        break;
      }
    }
    expect(await refusal(bytes)).to.contain("padding.bin");
  });
});

describe("the CSV reader: rows numbered as Excel shows them", () => {
  it("when a quoted cell runs over two lines, then the next record's row number counts records, not lines", () => {
    const text = '姓名,备注\r\n张三,"第一行\r\n第二行"\r\n李四,x\r\n\r\n王五,y\r\n';
    const lines = [...readCsvRows(text)].map((r) => r.line);
    expect(lines).to.deep.equal([1, 2, 3, 5]);
  });

  it("when a quote is misplaced after a multi-line cell, then the refusal names the record's row", () => {
    const text = '姓名,备注\r\n张三,"第一行\r\n第二行"\r\n李"四,x\r\n';
    expect(() => [...readCsvRows(text)]).to.throw(FileRefusal, "第 3 行");
  });
});
