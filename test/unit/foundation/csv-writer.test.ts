import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { csvCell, readCsvCell, readCsvRows, toCsvText } from "../../../server/lib/csv.js";

/** The cell as a spreadsheet sees it once the CSV quoting is undone. */
function unquoted(cell: string): string {
  return cell.startsWith('"') ? cell.slice(1, -1).replaceAll('""', '"') : cell;
}

function serverFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? serverFiles(full) : full.endsWith(".ts") ? [full] : [];
  });
}

describe("the shared CSV writer (server/lib/csv.ts)", () => {
  it("when a text cell starts with = + - @ tab or CR, then it is prefixed with a quote (OWASP)", () => {
    for (const s of ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1"]) {
      expect(unquoted(csvCell(s)), JSON.stringify(s)).to.equal(`'${s}`);
    }
    expect(csvCell("普通文本")).to.equal("普通文本");
    expect(csvCell(-10)).to.equal("-10");
    expect(csvCell(null)).to.equal("");
  });

  it("when any text is written, then no cell can start a formula", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 30 }), (s) => {
        expect(unquoted(csvCell(s))).to.not.match(/^[=+\-@\t\r]/);
      }),
      { numRuns: 500 },
    );
  });

  it("when any text is written and read back, then it is unchanged (export → import round trip)", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20 }).map((s) => s.replaceAll("\r", "")), { maxLength: 5 }), (texts) => {
        // A leading key cell: a row of one empty cell is a blank line to any CSV reader.
        const cells = ["k", ...texts];
        const rows = [...readCsvRows(toCsvText([cells]).replace(/\r\n$/, "\n"))];
        expect(rows[0]?.fields.map(readCsvCell)).to.deep.equal(cells);
      }),
      { numRuns: 500 },
    );
  });

  it("when the server's sources are scanned, then only the shared writer quotes CSV fields", () => {
    const root = path.resolve("server");
    const writers = serverFiles(root)
      .filter((f) => f !== path.join(root, "lib", "csv.ts"))
      .filter((f) => /replaceAll?\(\s*(\/"\/g|'"')\s*,\s*'""'\s*\)/.test(readFileSync(f, "utf8")));
    expect(writers.map((f) => path.relative(root, f))).to.deep.equal([]);
  });

  it("when digit-only texts are written for a spreadsheet, then each is a text formula Excel keeps whole, and reads back unchanged", () => {
    // A 14-digit ticket number bare showed as 3.22612E+13 and lost its last digits on re-save.
    const cell = csvCell("32261200000001", { digitsAsText: true });
    expect(unquoted(cell)).to.equal('="32261200000001"');
    expect(readCsvCell(unquoted(cell))).to.equal("32261200000001");
    expect(csvCell("0012", { digitsAsText: true })).to.equal('"=""0012"""');
    // Only digit-only texts: numbers stay numbers, other texts keep the formula neutralisation.
    expect(csvCell(42, { digitsAsText: true })).to.equal("42");
    expect(unquoted(csvCell("=1+1", { digitsAsText: true }))).to.equal("'=1+1");
    expect(csvCell("T12", { digitsAsText: true })).to.equal("T12");
    expect(toCsvText([["123", 5]], { digitsAsText: true })).to.equal('"=""123""",5\r\n');
  });

  it("when any text is written for a spreadsheet and read back, then it is unchanged and no cell starts a formula but a digit-only one", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.stringMatching(/^\d{1,20}$/), fc.constant('="12"')), {
          maxLength: 5,
        }),
        (raw) => {
          const cells = ["k", ...raw.map((s) => s.replaceAll("\r", ""))];
          const text = toCsvText([cells], { digitsAsText: true });
          const rows = [...readCsvRows(text.replace(/\r\n$/, "\n"))];
          expect(rows[0]?.fields.map(readCsvCell)).to.deep.equal(cells);
          for (const f of rows[0]?.fields ?? [])
            if (/^[=+\-@\t\r]/.test(f)) expect(f).to.match(/^="\d+"$/);
        },
      ),
      { numRuns: 500 },
    );
  });
});
