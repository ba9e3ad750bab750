import { expect } from "chai";
import JSZip from "jszip";
import { readAllXlsxRows, xlsxFromXml, xlsxRefusal, xmlRow } from "../../helpers/xlsx-xml.js";

const HEADER = xmlRow(1, ["姓名", "备注"]);
const MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

const rows = readAllXlsxRows;
const refusal = (bytes: Buffer) => xlsxRefusal(bytes);

/** The workbook with its sheet part's elements written with the prefix `x:` (as some writers do). */
async function prefixedSheet(bytes: Buffer): Promise<Buffer> {
  const zip = await JSZip.loadAsync(bytes);
  const sheet = await zip.file("xl/worksheets/sheet1.xml")!.async("string");
  const prefixed = sheet
    .replace(`xmlns="${MAIN}"`, `xmlns:x="${MAIN}"`)
    .replace(
      /<(\/?)(?![?!])([A-Za-z]+)([\s>/])/g,
      (_, slash: string, name: string, after: string) => `<${slash}x:${name}${after}`,
    );
  zip.file("xl/worksheets/sheet1.xml", prefixed);
  return zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" });
}

describe("the XLSX reader: formula text results and parts written with namespace prefixes", () => {
  it('when a formula\'s cached text result (t="str") looks like an XML entity, then it reads as written, not decoded twice', async () => {
    const bytes = await xlsxFromXml({
      rows: [HEADER, xmlRow(2, ["张三", { attrs: 't="str"', xml: '<f>"A&amp;lt;B"</f><v>A&amp;lt;B</v>' }])],
    });
    expect((await rows(bytes))[1]?.fields).to.deep.equal(["张三", "A&lt;B"]);
  });

  it('when a text cell without a formula (t="str") holds &amp;amp;, then it reads as written', async () => {
    const bytes = await xlsxFromXml({
      rows: [HEADER, xmlRow(2, ["张三", { attrs: 't="str"', xml: "<v>R&amp;amp;D</v>" }])],
    });
    expect((await rows(bytes))[1]?.fields).to.deep.equal(["张三", "R&amp;D"]);
  });

  it("when the sheet's elements carry a namespace prefix (x:c), then the file is refused saying so, not read as empty", async () => {
    const bytes = await prefixedSheet(await xlsxFromXml({ rows: [HEADER, xmlRow(2, ["张三", "备注"])] }));
    expect(await refusal(bytes)).to.contain("命名空间前缀");
  });

  it("when the shared strings carry a namespace prefix (x:si), then the file is refused saying so, not read as other text", async () => {
    const bytes = await xlsxFromXml({
      rows: [HEADER, xmlRow(2, [{ attrs: 't="s"', xml: "<v>0</v>" }])],
      sharedStrings: [`<x:si xmlns:x="${MAIN}"><x:t>张三</x:t></x:si>`],
    });
    expect(await refusal(bytes)).to.contain("命名空间前缀");
  });

  it("when a part carries prefixed elements of another namespace (the styles' x14:slicerStyles), then the file is read as usual", async () => {
    const bytes = await xlsxFromXml({ rows: [HEADER, xmlRow(2, ["张三", "备注"])] });
    const styles = await (await JSZip.loadAsync(bytes)).file("xl/styles.xml")!.async("string");
    expect(styles).to.contain("<x14:slicerStyles");
    expect((await rows(bytes))[1]?.fields).to.deep.equal(["张三", "备注"]);
  });
});
