/**
 * The text of an XLSX string item as Excel shows it, beside what exceljs 4.4's streaming reader
 * reads for it; the scan (xlsx-scan.ts) puts the first in place of the second where they differ.
 *
 * exceljs starts the text over at every <t>: a cell's inline string (<is>) reads as its last <t>
 * only, so inline rich text (`<r><t>张</t></r><r><t>三丰</t></r>`, as openpyxl writes rich text)
 * reads 三丰, and the text decoded once more as XML (`A&amp;lt;B` reads A<B); a phonetic guide
 * (`<rPh><t>チョウサン</t></rPh>`, ECMA-376 §18.4.6) after a shared or inline string's text replaces
 * it. Excel shows the item's own <t> (or its runs' <t>s, joined) and never the guide's. A text
 * cell's <v> (`t="str"`) is decoded once more too (plainTextFix).
 */

/** A run of rich text, in the shape exceljs gives it (the row reader writes a raised run as ^3). */
export interface RichRun {
  text: string;
  font?: { vertAlign?: string };
}

/** A cell's value where exceljs misreads it, in the shape exceljs gives such a value. */
export type CellFix = string | Date | { richText: RichRun[] };

/** exceljs's own `utils.xmlDecode`, which its streaming reader applies to an inline string again. */
function exceljsXmlDecode(text: string): string {
  const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", apos: "'", quot: '"' };
  return text.replace(/&([a-z]*);/g, (whole, name: string) => named[name] ?? whole);
}

/** A string item being read: its elements (local names) and text, in document order. */
export interface StringItem {
  open(name: string, attributes: Record<string, string>): void;
  text(text: string): void;
  close(name: string): void;
  /** What the item must read as, when exceljs reads it otherwise; undefined when it reads it right. */
  fix(): CellFix | undefined;
}

/**
 * Reads one shared string (<si>, `kind` "shared") or one cell's inline string (from <is> to the
 * cell's end, "inline"). Only the item's own text is kept beside exceljs's, so a file of many
 * strings costs nothing but the few that differ.
 */
export function stringItem(kind: "shared" | "inline"): StringItem {
  const runs: RichRun[] = [];
  let run: RichRun | undefined;
  let plain = "";
  let phonetic = 0;
  let inText = false;
  // exceljs: the text since the last <t> (any text, whitespace between tags too), and per run.
  let ex: string | null = kind === "inline" ? "" : null;
  const exRuns: string[] = [];
  return {
    open(name, attributes) {
      if (name === "rPh") phonetic++;
      else if (name === "r" && phonetic === 0) run = { text: "" };
      else if (name === "vertAlign" && run) run.font = { vertAlign: attributes.val ?? "" };
      else if (name === "t") {
        inText = phonetic === 0;
        ex = kind === "inline" ? "" : null;
      }
    },
    text(text) {
      if (inText) {
        if (run) run.text += text;
        else plain += text;
      }
      ex = (ex ?? "") + text;
    },
    close(name) {
      if (name === "t") inText = false;
      else if (name === "rPh") phonetic = Math.max(0, phonetic - 1);
      else if (name === "r") {
        if (run) runs.push(run);
        run = undefined;
        if (kind === "shared") {
          exRuns.push(ex ?? "");
          ex = null;
        }
      }
    },
    fix() {
      const joined = runs.map((r) => r.text).join("");
      const raised = runs.some((r) => r.font?.vertAlign && r.font.vertAlign !== "baseline");
      const truth: CellFix = runs.length ? (raised ? { richText: runs } : joined) : plain;
      if (kind === "inline") {
        // exceljs gives inline rich text as a string: a raised run would run into its neighbours.
        const read = exceljsXmlDecode(ex ?? "");
        return raised || read !== (runs.length ? joined : plain) ? truth : undefined;
      }
      // A shared item with runs is read as its runs (the guide after them is dropped), else as text.
      if (runs.length || exRuns.length) {
        const same = exRuns.length === runs.length && exRuns.every((t, i) => t === runs[i]?.text);
        return same ? undefined : runs.length ? { richText: runs } : plain;
      }
      return (ex ?? "") === plain ? undefined : plain;
    },
  };
}

/**
 * A text cell's <v> (`t="str"`: a formula's cached text result, or a text cell without a formula),
 * which exceljs decodes once more as XML (A&amp;lt;B read A<B): the text as written when that
 * changes it, else undefined.
 */
export function plainTextFix(text: string): string | undefined {
  return text.includes("&") && exceljsXmlDecode(text) !== text ? text : undefined;
}

/**
 * The day of a date cell (`t="d"`, ECMA-376 §18.17.4: an ISO 8601 date, with a time of day or
 * not) as the Date exceljs gives a date cell (UTC midnight); null when the value has no day (a
 * time alone) or no such day exists. The day is the one written: a zone after it does not move it,
 * as a serial date's time of day is dropped too.
 */
export function isoCellDate(value: string): Date | null {
  const m = /^(\d{4}-\d{2}-\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(
    value.trim(),
  );
  if (!m?.[1]) return null;
  const day = new Date(`${m[1]}T00:00:00Z`);
  return Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== m[1] ? null : day;
}
