import { deflateRawSync } from "node:zlib";
import { expect } from "chai";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import { readAllXlsxRows, xlsxRefusal } from "../../helpers/xlsx-xml.js";

/**
 * The ZIP container of an upload, written by hand: what no ZIP library writes (a local header
 * that disagrees with the central directory, an entry the directory does not list, a size that
 * understates what the data inflates to) is what these tests need.
 */
interface Part {
  name: string;
  data: Buffer;
  /** The uncompressed size both headers declare (default: the data's length). */
  declaredSize?: number;
  /** What the local header says where it differs from the central directory. */
  local?: { name?: string; size?: number };
  /** False: the entry is in the archive but not in the central directory. */
  listed?: boolean;
  /**
   * ZIP64 (APPNOTE 4.5.3), as writers such as Apache Commons Compress in Zip64Mode.Always (Apache
   * POI's SXSSF `setZip64Mode`) write it for any size: "sizes" puts 0xFFFFFFFF in both headers'
   * sizes (and the directory's offset) with the real ones in a ZIP64 extra field; "descriptor"
   * writes the sizes after the data in a 24-byte ZIP64 data descriptor (APPNOTE 4.3.9).
   */
  zip64?: "sizes" | "descriptor";
}

/** A ZIP64 extended information extra field (header 0x0001) holding these 8-byte values. */
function zip64Extra(values: number[]): Buffer {
  const extra = Buffer.alloc(4 + 8 * values.length);
  extra.writeUInt16LE(0x0001, 0);
  extra.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => extra.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return extra;
}

function zipOf(parts: Part[]): Buffer {
  const chunks: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  let listed = 0;
  for (const part of parts) {
    const data = deflateRawSync(part.data);
    const size = part.declaredSize ?? part.data.length;
    const name = Buffer.from(part.name);
    const localName = Buffer.from(part.local?.name ?? part.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(part.zip64 ? 45 : 20, 4);
    local.writeUInt16LE(part.zip64 === "descriptor" ? 0x0808 : 0x0800, 6);
    local.writeUInt16LE(8, 8);
    let localExtra: Buffer = Buffer.alloc(0);
    let descriptor: Buffer = Buffer.alloc(0);
    if (part.zip64 === "sizes") {
      local.writeUInt32LE(0xffffffff, 18);
      local.writeUInt32LE(0xffffffff, 22);
      localExtra = zip64Extra([part.local?.size ?? size, data.length]);
    } else if (part.zip64 === "descriptor") {
      // Sizes zero in the local header, its ZIP64 field zero too: they follow the data.
      localExtra = zip64Extra([0, 0]);
      descriptor = Buffer.alloc(24);
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeBigUInt64LE(BigInt(data.length), 8);
      descriptor.writeBigUInt64LE(BigInt(size), 16);
    } else {
      local.writeUInt32LE(data.length, 18);
      local.writeUInt32LE(part.local?.size ?? size, 22);
    }
    local.writeUInt16LE(localName.length, 26);
    local.writeUInt16LE(localExtra.length, 28);
    chunks.push(local, localName, localExtra, data, descriptor);
    if (part.listed !== false) {
      const central = Buffer.alloc(46);
      central.writeUInt32LE(0x02014b50, 0);
      central.writeUInt16LE(part.zip64 ? 45 : 20, 4);
      central.writeUInt16LE(part.zip64 ? 45 : 20, 6);
      central.writeUInt16LE(part.zip64 === "descriptor" ? 0x0808 : 0x0800, 8);
      central.writeUInt16LE(8, 10);
      let centralExtra: Buffer = Buffer.alloc(0);
      if (part.zip64 === "sizes") {
        central.writeUInt32LE(0xffffffff, 20);
        central.writeUInt32LE(0xffffffff, 24);
        central.writeUInt32LE(0xffffffff, 42);
        centralExtra = zip64Extra([size, data.length, offset]);
      } else {
        central.writeUInt32LE(data.length, 20);
        central.writeUInt32LE(size, 24);
        central.writeUInt32LE(offset, 42);
      }
      central.writeUInt16LE(name.length, 28);
      central.writeUInt16LE(centralExtra.length, 30);
      directory.push(central, name, centralExtra);
      listed++;
    }
    offset += local.length + localName.length + localExtra.length + data.length + descriptor.length;
  }
  const size = directory.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(listed, 8);
  end.writeUInt16LE(listed, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, ...directory, end]);
}

/** A one-sheet workbook's parts, as exceljs writes them: a header row and one registrant. */
async function workbookParts(): Promise<Part[]> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet("报名");
  sheet.addRow(["姓名", "身份证号"]);
  sheet.addRow(["张三", "110101199001011234"]);
  const zip = await JSZip.loadAsync(Buffer.from(await book.xlsx.writeBuffer()));
  const parts: Part[] = [];
  for (const file of Object.values(zip.files))
    if (!file.dir) parts.push({ name: file.name, data: await file.async("nodebuffer") });
  return parts;
}

/** A worksheet part holding one row with `text`, padded with whitespace to `bytes`. */
function sheetXml(text: string, bytes: number): Buffer {
  const xml =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
    `<row r="1"><c r="A1" t="inlineStr"><is><t>${text}</t></is></c></row></sheetData>`;
  const head = Buffer.from(xml);
  const tail = Buffer.from("</worksheet>");
  return Buffer.concat([head, Buffer.alloc(Math.max(0, bytes - head.length - tail.length), " "), tail]);
}

/** The reader with its default options, as these tests always read. */
const rows = (bytes: Buffer) => readAllXlsxRows(bytes, {});
const refusal = (bytes: Buffer) => xlsxRefusal(bytes, {});

const MB = 1024 * 1024;
const SHEET = "xl/worksheets/sheet1.xml";

describe("the XLSX reader's ZIP bounds: held on what is inflated, not on what the archive claims", () => {
  it("when the archive is written consistently by hand, then its rows are read", async () => {
    const read = await rows(zipOf(await workbookParts()));
    expect(read.map((r) => r.fields)).to.deep.equal([
      ["姓名", "身份证号"],
      ["张三", "110101199001011234"],
    ]);
  });

  it("when every entry declares its sizes in ZIP64 extra fields (0xFFFFFFFF in the headers), then its rows are read", async () => {
    const parts = (await workbookParts()).map((p): Part => ({ ...p, zip64: "sizes" }));
    const read = await rows(zipOf(parts));
    expect(read.map((r) => r.fields[0])).to.deep.equal(["姓名", "张三"]);
  });

  it("when every entry's sizes follow its data in a 24-byte ZIP64 data descriptor, then its rows are read", async () => {
    const parts = (await workbookParts()).map((p): Part => ({ ...p, zip64: "descriptor" }));
    const read = await rows(zipOf(parts));
    expect(read.map((r) => r.fields[0])).to.deep.equal(["姓名", "张三"]);
  });

  it("when a ZIP64 local header declares another size than the central directory, then the file is refused as damaged", async () => {
    const parts = (await workbookParts()).map((p): Part => ({
      ...p,
      zip64: "sizes",
      ...(p.name === SHEET ? { local: { size: p.data.length + 1 } } : {}),
    }));
    expect(await refusal(zipOf(parts))).to.contain("已损坏");
  });

  it("when a ZIP64 extra field declares a sheet beyond the bound, then the file is refused naming the bound", async () => {
    const parts = (await workbookParts()).map((p): Part => ({
      ...p,
      zip64: "sizes",
      ...(p.name === SHEET ? { declaredSize: 40 * MB } : {}),
    }));
    expect(await refusal(zipOf(parts))).to.contain("解压后超过 32 MB");
  });

  it("when the end record defers to a ZIP64 end record (over 65,534 entries), then the refusal says ZIP64 is not supported, not that the file is damaged", async () => {
    const bytes = zipOf(await workbookParts());
    bytes.writeUInt16LE(0xffff, bytes.length - 12);
    const message = await refusal(bytes);
    expect(message).to.contain("不支持 ZIP64").and.to.contain("另存为");
    expect(message).not.to.contain("损坏");
  });

  it("when an entry the central directory does not list holds a sheet over the bound, then the file is refused as damaged", async function () {
    this.timeout(20_000);
    // A reader that walks the local headers (as the streaming reader does) would meet this sheet
    // and inflate its 33 MB, which no directory size ever bounded.
    const unlisted: Part = { name: SHEET, data: sheetXml("冒名", 33 * MB), listed: false };
    const bytes = zipOf([unlisted, ...(await workbookParts())]);
    expect(bytes.length).to.be.below(MB);
    expect(await refusal(bytes)).to.contain("已损坏");
  });

  it("when a local header names another part than the central directory, then the file is refused as damaged", async () => {
    const parts = (await workbookParts()).map((p) =>
      p.name === SHEET ? { ...p, local: { name: "xl/worksheets/sheet2.xml" } } : p,
    );
    expect(await refusal(zipOf(parts))).to.contain("已损坏");
  });

  it("when a local header declares another size than the central directory, then the file is refused as damaged", async () => {
    const parts = (await workbookParts()).map((p) =>
      p.name === SHEET ? { ...p, local: { size: p.data.length + 1 } } : p,
    );
    expect(await refusal(zipOf(parts))).to.contain("已损坏");
  });

  it("when the sheet inflates beyond the size both headers declare, then the file is refused naming the part", async function () {
    this.timeout(20_000);
    const parts = (await workbookParts()).map((p) =>
      p.name === SHEET ? { ...p, data: sheetXml("张三", 8 * MB), declaredSize: 64 * 1024 } : p,
    );
    // Its 8 KB of compressed data could hold 64 KB: only inflating it shows the lie.
    expect(await refusal(zipOf(parts))).to.contain("sheet1.xml");
  });

  it("when a part no reader needs (an image) inflates beyond its bound and what it declares, then the rows are read: it is never inflated", async function () {
    this.timeout(20_000);
    // Its 40 MB of zeros would refuse the file if anything inflated it; the readers are given
    // only the parts they read, so nothing does, and refusing it would cost that inflation.
    const image: Part = { name: "xl/media/image1.png", data: Buffer.alloc(40 * MB), declaredSize: MB };
    const bytes = zipOf([...(await workbookParts()), image]);
    expect(bytes.length).to.be.below(MB);
    const read = await rows(bytes);
    expect(read.map((r) => r.fields[0])).to.deep.equal(["姓名", "张三"]);
  });

  it("when the stream read falls back to reading the file whole, then it reads the checked parts, not the upload: a part no reader needs is never inflated", async function () {
    this.timeout(20_000);
    // Without its workbook part the streaming reader reads no sheet list, which sends the read to
    // its fallback; the image would refuse the file if that fallback inflated the upload's every
    // part.
    const parts = (await workbookParts()).filter((p) => p.name !== "xl/workbook.xml");
    const image: Part = { name: "xl/media/image1.png", data: Buffer.alloc(40 * MB), declaredSize: MB };
    const message = await refusal(zipOf([...parts, image]));
    expect(message).not.to.contain("image1.png");
  });

  it("when text cells refer to shared strings the file does not hold, then the file is refused, not read as the strings' numbers", async () => {
    const parts = (await workbookParts()).filter((p) => p.name !== "xl/sharedStrings.xml");
    expect(await refusal(zipOf(parts))).to.contain("文字无法读取");
  });
});
