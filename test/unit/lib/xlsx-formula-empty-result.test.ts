import { expect } from "chai";
import { FileRefusal } from "../../../server/lib/file-refusal.js";
import { readXlsxRows, readXlsxRowsWhole, type SheetRow } from "../../../server/lib/xlsx-rows.js";
import { xlsxFromXml, xmlRow } from "../../helpers/xlsx-xml.js";

/**
 * A formula whose result is an empty text (=IF(B2="","",B2) beside an empty B2) is saved by Excel
 * as `<c t="str"><f>…</f><v></v></c>`: a result that is there and empty, not a missing one. Both
 * readers are checked: the stream, and the whole-file read readXlsxRows falls back to when the
 * stream loses a part (which no file makes happen on demand, hence readXlsxRowsWhole).
 */

const HEADER = xmlRow(1, ["姓名", "备注", "原值"]);

const READERS = {
  stream: async (bytes: Buffer): Promise<SheetRow[]> => {
    const out: SheetRow[] = [];
    for await (const r of readXlsxRows(bytes)) out.push(r);
    return out;
  },
  whole: (bytes: Buffer): Promise<SheetRow[]> => readXlsxRowsWhole(bytes),
};

async function refusal(read: Promise<unknown>): Promise<string> {
  try {
    await read;
  } catch (err) {
    expect(err).to.be.instanceOf(FileRefusal);
    return (err as Error).message;
  }
  throw new Error("the file was read, not refused");
}

for (const [name, read] of Object.entries(READERS)) {
  describe(`the XLSX reader (${name}): a formula whose saved result is an empty text`, () => {
    it('when a formula\'s saved text result is empty (t="str", <v></v>, as Excel saves =IF(…,"",…)), then it reads as an empty field', async () => {
      const bytes = await xlsxFromXml({
        rows: [HEADER, xmlRow(2, ["张三", { attrs: 't="str"', xml: '<f>IF(C2="","",C2)</f><v></v>' }, "x"])],
      });
      const rows = await read(bytes);
      expect(rows[1]?.fields).to.deep.equal(["张三", "", "x"]);
      expect(rows[1]?.notes.join()).to.contain("B 列是公式");
    });

    it("when a formula's saved text result is written as an empty element (<v/>), then it reads as an empty field", async () => {
      const bytes = await xlsxFromXml({
        rows: [HEADER, xmlRow(2, ["张三", { attrs: 't="str"', xml: '<f>IF(C2="","",C2)</f><v/>' }, "x"])],
      });
      expect((await read(bytes))[1]?.fields).to.deep.equal(["张三", "", "x"]);
    });

    it('when a text formula (t="str") has no <v> at all, then the file is still refused naming the cell', async () => {
      const bytes = await xlsxFromXml({
        rows: [HEADER, xmlRow(2, ["张三", { attrs: 't="str"', xml: '<f>IF(C2="","",C2)</f>' }, "x"])],
      });
      expect(await refusal(read(bytes)))
        .to.contain("第 2 行 B 列")
        .and.to.contain("计算结果");
    });

    it("when a formula has no <v> at all (as openpyxl writes formulas), then the file is still refused naming the cell", async () => {
      const bytes = await xlsxFromXml({
        rows: [HEADER, xmlRow(2, ["张三", { xml: '<f>"02"&amp;"001"</f>' }, "x"])],
      });
      expect(await refusal(read(bytes)))
        .to.contain("第 2 行 B 列")
        .and.to.contain("计算结果");
    });
  });
}
