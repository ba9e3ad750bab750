import { expect } from "chai";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { auditDetailLines } from "../../../server/contracts/audit.js";
import { DETAIL_VALUE_LABELS } from "../../../server/contracts/audit-labels.js";
import { UpdateSessionBody } from "../../../server/contracts/scheduling.js";

const SERVER = join(import.meta.dirname, "../../../server");
const options = { formatInstant: (iso: string) => iso, categoryName: () => undefined };

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    // Models declare `details` as a schema field ({ type, required }), not as an entry's details.
    return path.endsWith(".ts") && !/\.models?\.ts$/.test(path) ? [path] : [];
  });
}

/** The text of the balanced `{…}` starting at `open` (without its braces). */
function objectAt(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if ("{[(".includes(text[i]!)) depth++;
    else if ("}])".includes(text[i]!) && --depth === 0) return text.slice(open + 1, i);
  }
  return "";
}

/** The top-level `key: value` (or `...spread`) parts of an object literal's text. */
function partsOf(body: string): string[] {
  let depth = 0;
  let part = "";
  const parts: string[] = [];
  for (const ch of body.replace(/\/\/.*$/gm, "")) {
    if ("{[(".includes(ch)) depth++;
    if ("}])".includes(ch)) depth--;
    if (ch === "," && depth === 0) {
      parts.push(part);
      part = "";
    } else part += ch;
  }
  parts.push(part);
  return parts.map((s) => s.trim()).filter(Boolean);
}

/** Top-level keys of an object literal's text, and those of `...(x ? { k } : {})` spreads. */
function keysOf(body: string): string[] {
  const keys: string[] = [];
  for (const p of partsOf(body)) {
    if (p.startsWith("...")) {
      for (const m of p.matchAll(/(?<!\$)[{,]\s*([A-Za-z_]\w*)\s*[:,}]/g)) keys.push(m[1]!);
    } else {
      const m = /^["']?([A-Za-z_]\w*)/.exec(p);
      if (m) keys.push(m[1]!);
    }
  }
  return keys;
}

/**
 * Every detail key an audit entry is written with, read from the services' source: `details: {…}`
 * literals, and the literal a proctor's entry passes after its action and session
 * (`entry(uow, user, "proctor.pause", id, {…})`). Details built elsewhere are listed by hand below.
 */
function writtenDetails(): { file: string; body: string }[] {
  const found: { file: string; body: string }[] = [];
  for (const file of sources(SERVER)) {
    const text = readFileSync(file, "utf8");
    if (!/audit|entry\(/.test(text)) continue;
    for (const m of text.matchAll(/details:\s*\{|"[a-z_]+\.[a-z_.]+",\s*\w+,\s*\{/g)) {
      const open = m.index + m[0].length - 1;
      found.push({ file: relative(SERVER, file), body: objectAt(text, open) });
    }
  }
  return found;
}

function writtenKeys(): Map<string, string> {
  const found = new Map<string, string>();
  for (const { file, body } of writtenDetails()) for (const key of keysOf(body)) found.set(key, file);
  return found;
}

/**
 * The codes written as string literals (`reason: "summary"`, `reason: x ? "a" : "error"`) under
 * keys whose values the page reads by label: "key=code (file)". Codes passed through a variable
 * (an error's code, a request's field) are the maps' own business (see the lists they spread).
 */
function writtenCodes(): string[] {
  const found: string[] = [];
  for (const { file, body } of writtenDetails()) {
    for (const part of partsOf(body)) {
      const m = /^["']?([A-Za-z_]\w*)["']?\s*:([\s\S]*)$/.exec(part);
      if (!m || !Object.hasOwn(DETAIL_VALUE_LABELS, m[1]!)) continue;
      for (const code of m[2]!.matchAll(/"([a-z][a-z0-9_]*)"/g)) found.push(`${m[1]}=${code[1]} (${file})`);
    }
  }
  return found;
}

/** Details assembled away from the `audit.append` call (a helper, a request body, a change set). */
const BUILT_ELSEWHERE = [
  // auth/failure-summaries.ts `details(count, sources, sourcesLeftOut)`
  "count",
  "sources",
  "sourcesLeftOut",
  // scheduling/session-updates.ts records the update's body as sent
  ...Object.keys(UpdateSessionBody.shape),
  // auth/staff-accounts.ts and organisation/organisation.service.ts change sets
  "displayName",
  "divisionCode",
  "roles",
  "testCentreId",
  "active",
  "passwordReset",
  "unlocked",
  "name",
  "phone",
  "address",
  // question-bank/import-writer.ts and import-blueprints.ts batch summaries
  "batch",
  "created",
  "updated",
  "refused",
  "blueprints",
  // certificates/lifecycle.service.ts transfer ending
  "caseId",
  "status",
  "statusChangedAt",
  "toProvince",
  "serial",
  "version",
];

describe("audit detail fields named for people", () => {
  it("when any service writes a detail field, then the audit page shows it under a Chinese name, not its code", () => {
    const written = writtenKeys();
    expect(written.size, "the scan found the services' details").to.be.greaterThan(50);
    for (const key of BUILT_ELSEWHERE) if (!written.has(key)) written.set(key, "(built elsewhere)");
    const unnamed = [...written]
      .filter(([key]) => !/\p{Script=Han}/u.test(auditDetailLines({ [key]: "x" }, options)[0]?.label ?? ""))
      .map(([key, file]) => `${key} (${file})`);
    expect(unnamed).to.deep.equal([]);
  });

  it("when a service writes a code under a field read by label, then the audit page shows the code in Chinese", () => {
    const codes = writtenCodes();
    expect(
      codes.map((c) => c.split(" ")[0]),
      "the scan found the written codes",
    ).to.include("reason=not_this_session");
    const unlabelled = codes.filter((c) => {
      const [key, code] = c.split(" ")[0]!.split("=") as [string, string];
      return !/\p{Script=Han}/u.test(auditDetailLines({ [key]: code }, options)[0]?.value ?? "");
    });
    expect(unlabelled).to.deep.equal([]);
  });

  it("when a session's creation is shown, then its blueprint reads by version and the ids behind it are left out", () => {
    const lines = auditDetailLines(
      {
        testCentreName: "南京考点",
        blueprint: "64f0c0ffee@2",
        blueprintId: "64f0c0ffee",
        blueprintVersion: 2,
      },
      options,
    );
    expect(lines).to.deep.equal([
      { label: "考点", value: "南京考点" },
      { label: "组卷方案版本", value: "第 2 版" },
    ]);
    expect(auditDetailLines({ blueprint: null, blueprintVersion: null }, options)).to.deep.equal([
      { label: "组卷方案版本", value: "未确定（首次签到时确定）" },
    ]);
  });

  it("when a seat's binding is shown, then the centre, room and seat read by name and the centre's id is left out", () => {
    const lines = auditDetailLines(
      {
        testCentreId: "6b158a3b6cc99337591ef824",
        testCentreName: "南京考点",
        roomName: "第一考场",
        seatNo: 3,
        ip: "10.0.0.3",
      },
      options,
    );
    expect(lines).to.deep.equal([
      { label: "考点", value: "南京考点" },
      { label: "考场", value: "第一考场" },
      { label: "座位号", value: "3" },
      { label: "IP 地址", value: "10.0.0.3" },
    ]);
  });
});
