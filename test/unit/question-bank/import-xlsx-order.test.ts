import { expect } from "chai";
import JSZip from "jszip";
import { parseImportFileAsync, toXlsx } from "../../../server/question-bank/index.js";
import { aQuestionInput } from "../../helpers/bank-builders.js";

const question = aQuestionInput({ ref: "ORD-1" });

/** The same workbook with its parts stored in another order (the ZIP directory still names them all). */
async function reordered(bytes: Buffer, first: string[], last: string[]): Promise<Buffer> {
  const source = await JSZip.loadAsync(bytes);
  const names = Object.keys(source.files).filter((n) => !source.files[n]?.dir);
  const middle = names.filter((n) => !first.includes(n) && !last.includes(n));
  const out = new JSZip();
  for (const name of [...first, ...middle, ...last])
    out.file(name, await source.file(name)!.async("nodebuffer"));
  return out.generateAsync({ type: "nodebuffer", compression: "DEFLATE" });
}

describe("question import: XLSX parts in any order", () => {
  it("when the worksheet comes after the shared strings but before the workbook part, then the sheet still imports (exceljs's stream reader cannot read it)", async () => {
    const bytes = await reordered(
      await toXlsx([question]),
      ["[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"],
      ["xl/workbook.xml"],
    );
    const parsed = await parseImportFileAsync({ name: "x.xlsx", content: bytes });
    expect(parsed.fileErrors).to.deep.equal([]);
    expect(parsed.items.map((i) => [i.outcome, i.question])).to.deep.equal([["ok", question]]);
  });
});
