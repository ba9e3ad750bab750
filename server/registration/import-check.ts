import type { AuthUser } from "../contracts/auth.js";
import { CATEGORIES, type CategoryCode } from "../contracts/categories.js";
import type {
  ImportRowDto,
  ImportRowProblemDto,
  RegistrationImportColumn,
} from "../contracts/registration-import.js";
import { REGISTRATION_IMPORT_COLUMNS } from "../contracts/registration-import.js";
import {
  EDUCATION_LEVELS,
  LicenceClass,
  RegistrationFields,
  type CandidateDto,
  type DeclarationKey,
  type Education,
} from "../contracts/registration.js";
import { canSeeDivision } from "../access/index.js";
import { AppError } from "../lib/errors.js";
import { checkIdNumber, maskIdNumber } from "../lib/id-number.js";
import {
  assertDivisionInScope,
  assertNotGroupDivision,
  isKnownDivision,
  isPlausibleIdDivision,
} from "../organisation/index.js";
import { evaluateEligibility, type Applicant, type EligibilityRule } from "./eligibility.js";
import type { SheetRegistration } from "./import-sheet.js";
import { reopenable, type PriorRegistration } from "./registration-write.js";
import { missingGlyphs } from "../certificates/index.js";
import { heldInScope, type CertifiedHeld, type Held } from "./held-scope.js";

/** What a row without problems registers (the single registration's fields, less the photo). */
export type ImportedCandidate = Pick<
  CandidateDto,
  | "name"
  | "sex"
  | "idNumber"
  | "birthDate"
  | "phone"
  | "addressDivisionCode"
  | "divisionCode"
  | "education"
  | "categories"
> & {
  declarations: Partial<Record<DeclarationKey, boolean>>;
  /** Both absent when the row gives no driving licence (the non-driving categories need none). */
  licenceClass?: LicenceClass;
  licenceFirstIssuedOn?: string;
};

export interface CheckedRow {
  report: ImportRowDto;
  /** Present exactly when the row has no problem. */
  candidate: ImportedCandidate | null;
  /** The withdrawn registration of the same person this row reopens (see `reopenable`), or null. */
  reopens: { _id: PriorRegistration["_id"]; withdrawnAt: Date } | null;
  /**
   * The person is registered outside the officer's scope. The row's report says nothing of it (the
   * precheck answers such a number as a free one, so a dry run is no probe of other counties); the
   * confirmation refuses the whole file without naming the row.
   */
  registeredElsewhere: boolean;
}

/** The live facts a check needs, read by the caller (inside its transaction when confirming). */
export interface CheckContext {
  actor: AuthUser;
  provinceCode: string | null;
  rules: Record<CategoryCode, EligibilityRule[]>;
  /** Today in the node's time zone, as that day's UTC midnight (see calendarDay). */
  today: Date;
  /** Qualifications the person already holds, by normalised ID number, with the certificate's division. */
  heldOf: (idNumber: string) => Promise<CertifiedHeld[]>;
  /** Existing registrations of the file's ID numbers on this node, withdrawn ones included. */
  registered: Map<string, PriorRegistration>;
  /** The single registration's refusal for a registered ID number (same codes, same scope rule). */
  alreadyRegistered: (actor: AuthUser, prior: { _id: unknown; divisionCode: string }) => AppError;
}

const HEADER = Object.fromEntries(REGISTRATION_IMPORT_COLUMNS.map((c) => [c.key, c.header])) as Record<
  RegistrationImportColumn,
  string
>;
const CATEGORY_BY_TEXT = new Map<string, CategoryCode>(
  (Object.entries(CATEGORIES) as [CategoryCode, string][]).flatMap(([code, name]) => [
    [code, code],
    [name, code],
  ]),
);
const EDUCATION_BY_TEXT = new Map<string, Education>([
  ...(Object.entries(EDUCATION_LEVELS) as [Education, string][]).map(
    ([k, v]) => [v, k] as [string, Education],
  ),
  ["中专", "technical_secondary"],
  ["技校", "technical_secondary"],
]);
const DECLARATIONS: { key: DeclarationKey & RegistrationImportColumn }[] = [
  { key: "noMajorAccident3y" },
  { key: "noDrunkDriving" },
  { key: "hazmatTraining" },
];
/** Characters a spreadsheet would start a formula with (OWASP "CSV Injection"); no name starts so. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** The ID numbers the rows give, normalised as checkIdNumber does (for one read of prior registrations). */
export function idNumbersOf(rows: SheetRegistration[]): string[] {
  const ids = rows.map((r) => (r.cells.idNumber ?? "").trim().toUpperCase()).filter((id) => id.length === 18);
  return [...new Set(ids)];
}

/**
 * Checks every row against the same rules as a single registration (ID number, scope, eligibility,
 * one registration per person) plus the file's own (duplicates within it), naming each problem.
 * Pure given `ctx`: the dry run and the confirmation call it alike, the latter on live facts.
 */
export async function checkRows(rows: SheetRegistration[], ctx: CheckContext): Promise<CheckedRow[]> {
  const firstLineOf = new Map<string, number>();
  const out: CheckedRow[] = [];
  for (const row of rows) out.push(await checkRow(row, ctx, firstLineOf));
  return out;
}

async function checkRow(
  row: SheetRegistration,
  ctx: CheckContext,
  firstLineOf: Map<string, number>,
): Promise<CheckedRow> {
  const problems: ImportRowProblemDto[] = [];
  const problem = (code: string, message: string) => problems.push({ code, message });
  const cell = (key: RegistrationImportColumn): string => row.cells[key] ?? "";
  const required = (key: RegistrationImportColumn): string | null => {
    const v = cell(key);
    if (v === "") problem("missing_field", `缺少「${HEADER[key]}」`);
    return v === "" ? null : v;
  };

  const name = required("name");
  if (name !== null) {
    if (FORMULA_START.test(name))
      problem("formula_text", "姓名以 = + - @ 等公式字符开头，疑似公式，不予导入");
    else if ([...name].length < 2 || [...name].length > 32) problem("invalid_field", "姓名须为 2 至 32 个字");
    else {
      // Printed on the ticket, the seating plan and the certificate (see assertNamePrintable).
      const unprintable = missingGlyphs(name);
      if (unprintable.length > 0)
        problem(
          "name_glyph_missing",
          `姓名中的“${unprintable.join("”“")}”超出准考证与证书所用字库，打印出来将是空白方框`,
        );
    }
  }

  let idNumber: string | null = null;
  let birthDate = "";
  let sex: "male" | "female" = "male";
  const rawId = required("idNumber");
  if (row.imprecise.includes("idNumber"))
    problem(
      "imprecise_number",
      "身份证号单元格是数值格式，Excel 只保留 15 位有效数字：请把该列设为文本后重新填写",
    );
  else if (rawId !== null) {
    const id = checkIdNumber(rawId, { isKnownDivision: isPlausibleIdDivision, today: ctx.today });
    if (id.ok) ({ idNumber, birthDate, sex } = id.info);
    else for (const p of id.problems) problem(p.code, p.message);
  }

  const phone = required("phone");
  if (phone !== null && !/^1\d{10}$/.test(phone)) problem("invalid_field", "手机号须为 11 位数字，以 1 开头");

  const address = required("addressDivisionCode");
  if (address !== null && !(/^\d{6}$/.test(address) && isKnownDivision(address)))
    problem("unknown_division", `住址行政区划代码「${address.slice(0, 20)}」不存在`);

  const educationText = required("education");
  const education = educationText === null ? undefined : EDUCATION_BY_TEXT.get(educationText);
  if (educationText !== null && !education)
    problem(
      "invalid_field",
      `文化程度「${educationText.slice(0, 20)}」不在可选范围（${Object.values(EDUCATION_LEVELS).join("、")}）`,
    );

  // A driving licence may be left out (the eligibility rules of a driver category then refuse the
  // row), but not half of one: the certificate would print a class without a date.
  const licenceText = cell("licenceClass");
  const licence = licenceText === "" ? null : LicenceClass.safeParse(licenceText.toUpperCase());
  if (licence && !licence.success)
    problem(
      "invalid_field",
      `准驾车型「${licenceText.slice(0, 10)}」须为 ${LicenceClass.options.join("/")} 之一`,
    );

  const licenceDateText = cell("licenceFirstIssuedOn");
  const licenceFirstIssuedOn = licenceDateText === "" ? null : isoDay(licenceDateText);
  if (licenceDateText !== "" && !licenceFirstIssuedOn)
    problem("invalid_field", "驾驶证初领日期须为日期，如 2012-03-01");
  else if (licenceFirstIssuedOn && licenceFirstIssuedOn > ctx.today.toISOString().slice(0, 10))
    problem("invalid_field", "驾驶证初领日期晚于今天");
  if (licenceText !== "" && licenceDateText === "")
    problem("missing_field", `缺少「${HEADER.licenceFirstIssuedOn}」：填写准驾车型时须同时填写`);
  if (licenceText === "" && licenceDateText !== "")
    problem("missing_field", `缺少「${HEADER.licenceClass}」：填写驾驶证初领日期时须同时填写`);
  const heldLicence =
    licence?.success && licenceFirstIssuedOn
      ? { licenceClass: licence.data, licenceFirstIssuedOn }
      : undefined;
  const licenceSound = heldLicence !== undefined || (licenceText === "" && licenceDateText === "");

  const categories: CategoryCode[] = [];
  const categoryText = required("categories");
  for (const part of (categoryText ?? "").split(/[、,，;；|/\n]+/)) {
    const text = part.trim();
    if (!text) continue;
    const code = CATEGORY_BY_TEXT.get(text);
    if (!code) problem("unknown_category", `未知的报考类别「${text.slice(0, 30)}」`);
    else if (!categories.includes(code)) categories.push(code);
  }

  const declarations: Partial<Record<DeclarationKey, boolean>> = {};
  for (const { key } of DECLARATIONS) {
    const v = cell(key);
    if (v === "是") declarations[key] = true;
    else if (v !== "" && v !== "否") problem("invalid_field", `「${HEADER[key]}」须填“是”或“否”`);
  }

  const divisionCode = cell("divisionCode") || ctx.actor.divisionCode;
  try {
    assertDivisionInScope(ctx.actor, divisionCode, ctx.provinceCode);
    assertNotGroupDivision(divisionCode);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    problem(err.code, `报名单位：${err.message}`);
  }

  let reopens: CheckedRow["reopens"] = null;
  let registeredElsewhere = false;
  let held: Held[] = [];
  if (idNumber) {
    const prior = ctx.registered.get(idNumber);
    // A holder registered or certified outside the officer's divisions is a free number in the dry
    // run and refuses the file at confirmation, as a person registered elsewhere does (heldInScope:
    // the registration, when there is one, says whose the certificate is).
    const scoped = heldInScope(ctx.actor, await ctx.heldOf(idNumber), prior?.divisionCode);
    held = scoped.held;
    if (scoped.elsewhere) registeredElsewhere = true;
    const first = firstLineOf.get(idNumber);
    if (first !== undefined) problem("duplicate_in_file", `身份证号与第 ${first} 行重复`);
    else firstLineOf.set(idNumber, row.line);
    reopens = reopenable(ctx.actor, prior);
    // One registered outside the officer's divisions is already registeredElsewhere (heldInScope).
    if (prior && !reopens && canSeeDivision(ctx.actor.divisionCode, prior.divisionCode)) {
      const refusal = ctx.alreadyRegistered(ctx.actor, prior);
      problem(refusal.code, refusal.message);
    }
  }

  // Eligibility only once the facts it reads are sound: a wrong date would name the wrong rule.
  if (idNumber && education && licenceSound && categories.length) {
    const applicant: Applicant = {
      birthDate,
      education,
      ...heldLicence,
      heldQualifications: held,
      declarations,
    };
    for (const c of categories) {
      const r = evaluateEligibility(c, applicant, ctx.rules, ctx.today);
      if (!r.eligible)
        problem(
          "not_eligible",
          `不符合「${CATEGORIES[c]}」报考条件：${r.failures.map((f) => f.message).join("；")}`,
        );
    }
  }

  const report: ImportRowDto = {
    line: row.line,
    name: (name ?? "").slice(0, 32),
    idNumberMasked: maskIdNumber((idNumber ?? rawId ?? "").slice(0, 18)),
    problems,
    // Said before the confirmation, as the single form says it (precheck's reopensWithdrawn).
    notes: reopens ? [...row.notes, "此人的报名曾被撤销，导入将以本行信息恢复该报名"] : row.notes,
  };
  if (problems.length || !idNumber || !name || !phone || !address || !education || !licenceSound)
    return { report, candidate: null, reopens: null, registeredElsewhere };
  const candidate: ImportedCandidate = {
    name,
    sex,
    idNumber,
    birthDate,
    phone,
    addressDivisionCode: address,
    divisionCode,
    education,
    ...heldLicence,
    categories,
    declarations,
  };
  // The single registration's own schema has the last word, so an import can never store what the
  // form would refuse.
  const { birthDate: _derivedFromId, ...fields } = candidate;
  const body = RegistrationFields.safeParse(fields);
  if (!body.success) {
    report.problems.push({
      code: "invalid_field",
      message: body.error.issues.map((i) => i.message).join("；"),
    });
    return { report, candidate: null, reopens: null, registeredElsewhere };
  }
  // What the schema made of the fields is what is stored: a name as the form stores it (NFC, one
  // name dot, no spaces between Chinese characters), or a search for 王芳 misses 王　芳.
  return { report, candidate: { ...candidate, ...body.data }, reopens, registeredElsewhere };
}

/**
 * `2012-03-01`, `2012/3/1`, `2012.3.1`, `2012年3月1日` or `20120301` → `2012-03-01` when it is a
 * real calendar day; null otherwise.
 */
function isoDay(text: string): string | null {
  const m = /^(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))$/.exec(text.trim());
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2] ?? m[4]);
  const d = Number(m[3] ?? m[5]);
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d)
    return null;
  return `${m[1]}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}
