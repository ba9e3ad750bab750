import { expect } from "chai";
import fc from "fast-check";
import iconv from "iconv-lite";
import type { QuestionInput } from "../../../server/contracts/question-bank.js";
import { toCsv } from "../../../server/question-bank/csv.parser.js";
import { parseImportFile, parseImportFileAsync } from "../../../server/question-bank/import-readers.js";
import { toGift, toMoodleXml, toXlsx } from "../../../server/question-bank/question-export.js";

// Characters chosen to hit every format's special syntax: GIFT's ~=#{}:\ and % weights, [format]
// markers, XML/HTML's <>&", CSV's quotes, commas and newlines, spreadsheet formula starts, CJK text.
const CHARS = [..."abcXYZ019 安全行车检查“”（）。，~=#{}:\\[]%<>&\"',;|$/+-@\n"];
const textOf = (min: number, max: number, extraBanned = "") =>
  fc
    .array(fc.constantFrom(...CHARS.filter((c) => !extraBanned.includes(c))), {
      minLength: min,
      maxLength: max,
    })
    .map((cs) => cs.join("").trim())
    .filter((s) => s.length >= min);
const ref = fc
  .array(fc.constantFrom(..."ABCQ-0123456789题库"), { minLength: 1, maxLength: 16 })
  .map((cs) => cs.join(""));
const question: fc.Arbitrary<QuestionInput> = fc
  .record({
    ref,
    type: fc.constantFrom("true_false", "single", "multiple" as const),
    stem: textOf(4, 60),
    // Four options that read differently: the contract refuses two that read the same.
    options: fc
      .tuple(textOf(1, 20), textOf(1, 20), textOf(1, 20), textOf(1, 20))
      .filter((texts) => new Set(texts.map((t) => t.normalize("NFKC").replace(/\s+/g, " ").trim())).size === 4),
    keys: fc.subarray(["A", "B", "C", "D"] as const, { minLength: 2 }),
    tf: fc.constantFrom("T", "F" as const),
    explanation: fc.oneof(fc.constant(""), textOf(1, 40)),
    chapter: textOf(1, 12, "/\n"),
    categories: fc.subarray(["01001", "02001"] as const, { minLength: 1 }),
    difficulty: fc.integer({ min: 1, max: 5 }),
    tags: fc.array(textOf(1, 8, "|;\n"), { maxLength: 3 }),
    source: fc.oneof(fc.constant(""), textOf(1, 20)),
  })
  .map((r) => ({
    ref: r.ref,
    type: r.type,
    stem: r.stem,
    options:
      r.type === "true_false"
        ? []
        : r.options.map((text, i) => ({ key: (["A", "B", "C", "D"] as const)[i] ?? "A", text })),
    answer: r.type === "true_false" ? [r.tf] : r.type === "single" ? [r.keys[0] ?? "A"] : [...r.keys],
    explanation: r.explanation,
    chapter: r.chapter,
    categories: [...r.categories],
    difficulty: r.difficulty,
    tags: r.tags,
    source: r.source,
  }));
/** A file's worth of questions with distinct refs (a file's refs must be unique). */
const bank = fc.uniqueArray(question, { minLength: 1, maxLength: 6, selector: (q) => q.ref });

const defaults = { categories: ["01001" as const] };
const core = (q: QuestionInput) => ({
  ref: q.ref,
  type: q.type,
  stem: q.stem,
  options: q.options,
  answer: q.answer,
  explanation: q.explanation,
  chapter: q.chapter,
});
function importedOk(
  items: { outcome: string; notes: string[]; question?: QuestionInput }[],
): QuestionInput[] {
  for (const i of items) expect(i.outcome, i.notes.join("；")).to.equal("ok");
  return items.map((i) => i.question as QuestionInput);
}

describe("question import round trip (issue 15): export then import gives the questions back", () => {
  it("when generated questions go through roadcert JSON, then every field survives", () => {
    fc.assert(
      fc.property(bank, (qs) => {
        const content = JSON.stringify({ format: "roadcert-questions/1", title: "t", questions: qs });
        expect(importedOk(parseImportFile({ name: "x.json", content }).items)).to.deep.equal(qs);
      }),
      { numRuns: 60 },
    );
  });

  it("when generated questions go through CSV, then every field survives", () => {
    fc.assert(
      fc.property(bank, (qs) => {
        expect(importedOk(parseImportFile({ name: "x.csv", content: toCsv(qs) }).items)).to.deep.equal(qs);
      }),
      { numRuns: 60 },
    );
  });

  it("when generated questions go through GIFT, then what GIFT carries survives", () => {
    fc.assert(
      fc.property(bank, (qs) => {
        const back = importedOk(parseImportFile({ name: "x.gift", content: toGift(qs) }, defaults).items);
        expect(back.map(core)).to.deep.equal(qs.map(core));
      }),
      { numRuns: 60 },
    );
  });

  it("when generated questions go through Moodle XML, then what Moodle XML carries survives", () => {
    fc.assert(
      fc.property(bank, (qs) => {
        const back = importedOk(parseImportFile({ name: "x.xml", content: toMoodleXml(qs) }, defaults).items);
        expect(back.map((q) => ({ ...core(q), tags: q.tags }))).to.deep.equal(
          qs.map((q) => ({ ...core(q), tags: q.tags })),
        );
      }),
      { numRuns: 60 },
    );
  });

  it("when generated questions are saved as bytes in each encoding offices use, then every text format reads them back", () => {
    // The importer gets files as bytes (the page sends them base64, the CLI reads them): GB18030 as
    // Excel writes it on a Chinese Windows machine, UTF-16 with its BOM as Notepad writes it, UTF-8
    // with Excel's BOM. A Moodle XML file in GB18030 says so in its declaration, as Moodle requires.
    const formats = {
      "x.json": (qs: QuestionInput[]) =>
        JSON.stringify({ format: "roadcert-questions/1", title: "t", questions: qs }),
      "x.csv": toCsv,
      "x.gift": toGift,
      "x.xml": toMoodleXml,
    };
    const encodings = {
      "utf-8 with BOM": (text: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
      "utf-16le with BOM": (text: string) => iconv.encode(text, "utf-16le", { addBOM: true }),
      "utf-16be with BOM": (text: string) => iconv.encode(text, "utf-16be", { addBOM: true }),
      gb18030: (text: string) =>
        iconv.encode(text.replace('encoding="UTF-8"', 'encoding="GB18030"'), "gb18030"),
    };
    fc.assert(
      fc.property(
        bank,
        fc.constantFrom(...(Object.keys(formats) as (keyof typeof formats)[])),
        fc.constantFrom(...(Object.keys(encodings) as (keyof typeof encodings)[])),
        (qs, name, encoding) => {
          const content = encodings[encoding](formats[name](qs));
          const parsed = parseImportFile({ name, content }, defaults);
          expect(parsed.fileErrors, `${name} ${encoding}`).to.deep.equal([]);
          const back = importedOk(parsed.items);
          if (name === "x.json" || name === "x.csv") expect(back).to.deep.equal(qs);
          else expect(back.map(core)).to.deep.equal(qs.map(core));
        },
      ),
      { numRuns: 120 },
    );
  });

  it("when generated questions go through XLSX, then every field survives", async () => {
    await fc.assert(
      fc.asyncProperty(bank, async (qs) => {
        const parsed = await parseImportFileAsync({ name: "x.xlsx", content: await toXlsx(qs) });
        expect(parsed.fileErrors).to.deep.equal([]);
        expect(importedOk(parsed.items)).to.deep.equal(qs);
      }),
      { numRuns: 15 },
    );
  });
});
