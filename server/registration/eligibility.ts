import { CATEGORIES, type CategoryCode } from "../contracts/categories.js";
import {
  DECLARATION_LABELS,
  EDUCATION_LEVELS,
  type DeclarationKey,
  type Education,
  type EligibilityDto,
  type LicenceClass,
  type RuleFailureDto,
} from "../contracts/registration.js";
import { calendarDateText } from "../contracts/calendar-text.js";

/** One configurable eligibility condition of a category. */
export type EligibilityRule =
  | { rule: "min_age"; years: number }
  | { rule: "max_age"; years: number }
  | { rule: "licence_class"; classes: LicenceClass[] }
  | { rule: "licence_years"; years: number }
  | { rule: "prerequisite"; anyOf: CategoryCode[]; years: number }
  | { rule: "min_education"; level: Education }
  | { rule: "declaration"; key: DeclarationKey };

/** What the rules look at (all dates `YYYY-MM-DD`). Unknown facts fail the rules that need them. */
export interface Applicant {
  birthDate?: string;
  education?: Education;
  licenceClass?: LicenceClass;
  licenceFirstIssuedOn?: string;
  heldQualifications: { categoryCode: CategoryCode; firstIssuedOn: string }[];
  declarations: Partial<Record<DeclarationKey, boolean>>;
}

const EDUCATION_ORDER = Object.keys(EDUCATION_LEVELS) as Education[];

/** Whole years from `from` (YYYY-MM-DD) to `on`, counting a year only once its anniversary is reached. */
export function fullYearsBetween(from: string, on: Date): number {
  const [y, m, d] = from.split("-").map(Number) as [number, number, number];
  let years = on.getUTCFullYear() - y;
  const month = on.getUTCMonth() + 1;
  if (month < m || (month === m && on.getUTCDate() < d)) years -= 1;
  return years;
}

/** The name a failed rule is reported under. */
export function ruleName(rule: EligibilityRule): string {
  return rule.rule === "declaration" ? `declaration:${rule.key}` : rule.rule;
}

function check(rule: EligibilityRule, a: Applicant, on: Date): string | null {
  switch (rule.rule) {
    case "min_age":
      if (!a.birthDate) return "缺少出生日期";
      return fullYearsBetween(a.birthDate, on) >= rule.years ? null : `年龄未满 ${rule.years} 周岁`;
    case "max_age":
      if (!a.birthDate) return "缺少出生日期";
      // "≤ 60 years" means not yet 61: a 60-year-old still qualifies.
      return fullYearsBetween(a.birthDate, on) <= rule.years ? null : `年龄超过 ${rule.years} 周岁`;
    case "licence_class":
      if (!a.licenceClass) return "缺少准驾车型";
      return rule.classes.includes(a.licenceClass) ? null : `准驾车型须为 ${rule.classes.join("/")} 之一`;
    case "licence_years":
      if (!a.licenceFirstIssuedOn) return "缺少驾驶证初领日期";
      return fullYearsBetween(a.licenceFirstIssuedOn, on) >= rule.years
        ? null
        : `取得驾驶证须满 ${rule.years} 年`;
    case "prerequisite": {
      const ok = a.heldQualifications.some(
        (q) => rule.anyOf.includes(q.categoryCode) && fullYearsBetween(q.firstIssuedOn, on) >= rule.years,
      );
      const names = rule.anyOf.map((c) => CATEGORIES[c]).join("或");
      return ok ? null : `须取得${names}从业资格满 ${rule.years} 年`;
    }
    case "min_education":
      if (!a.education) return "缺少文化程度";
      return EDUCATION_ORDER.indexOf(a.education) >= EDUCATION_ORDER.indexOf(rule.level)
        ? null
        : `文化程度须为${EDUCATION_LEVELS[rule.level]}及以上`;
    case "declaration":
      return a.declarations[rule.key] === true ? null : `须确认：${DECLARATION_LABELS[rule.key]}`;
  }
}

/** No driving licence of any class roadcert records is issued before its holder is 18 (机动车驾驶证申领和使用规定). */
const LICENCE_MIN_AGE = 18;

/** The day a person born on `born` (YYYY-MM-DD) turns `years`; 29 February falls on 1 March. */
function birthday(born: string, years: number): string {
  const [y, m, d] = born.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y + years, m - 1, d)).toISOString().slice(0, 10);
}

/**
 * Dates no applicant can have: a driving licence or a qualification dated before they were born,
 * or after today, and a licence before the holder was 18. A typo such as 1902 for 2012 used to
 * pass every rule (a licence held for 124 years) and was printed on the certificate; so did 1999
 * for 2009 (a licence at nine). The category's own age limits are the rules' business. `on` is the
 * node's calendar day (calendarDay), so today itself is a possible date and tomorrow is not.
 */
function impossibleDates(a: Applicant, on: Date): RuleFailureDto[] {
  const latest = on.toISOString().slice(0, 10);
  const born = a.birthDate;
  const problem = (what: string, day: string): string | null => {
    if (day > latest) return `${what}（${calendarDateText(day)}）晚于今天，请核对`;
    if (born && day < born)
      return `${what}（${calendarDateText(day)}）早于出生日期（${calendarDateText(born)}），请核对`;
    return null;
  };
  const licenceProblem = (day: string): string | null => {
    const impossible = problem("驾驶证初领日期", day);
    if (impossible || !born) return impossible;
    const adult = birthday(born, LICENCE_MIN_AGE);
    return day < adult
      ? `驾驶证初领日期（${calendarDateText(day)}）早于年满 ${LICENCE_MIN_AGE} 周岁（${calendarDateText(adult)}），请核对`
      : null;
  };
  const failures: RuleFailureDto[] = [];
  const licence = a.licenceFirstIssuedOn ? licenceProblem(a.licenceFirstIssuedOn) : null;
  if (licence) failures.push({ rule: "licence_date", message: licence });
  for (const q of a.heldQualifications) {
    const held = problem(`${CATEGORIES[q.categoryCode]}从业资格取得日期`, q.firstIssuedOn);
    if (held) failures.push({ rule: "qualification_date", message: held });
  }
  return failures;
}

/**
 * Evaluates every rule of a category on the day `on` (the node's calendar day as UTC midnight,
 * see calendarDay) and names each one that fails; a candidate who already holds the category is
 * told so (`already_held`).
 */
export function evaluateEligibility(
  categoryCode: CategoryCode,
  applicant: Applicant,
  rules: Record<CategoryCode, EligibilityRule[]>,
  on: Date = new Date(),
): EligibilityDto {
  const failures: RuleFailureDto[] = [];
  if (applicant.heldQualifications.some((q) => q.categoryCode === categoryCode)) {
    failures.push({ rule: "already_held", message: `已持有${CATEGORIES[categoryCode]}从业资格，无需报考` });
  }
  failures.push(...impossibleDates(applicant, on));
  for (const rule of rules[categoryCode]) {
    const message = check(rule, applicant, on);
    if (message) failures.push({ rule: ruleName(rule), message });
  }
  return { categoryCode, eligible: failures.length === 0, failures };
}

/** The rules that read what a correction may change: the driving licence and the education. */
const CORRECTABLE_FACT_RULES = new Set(["licence_class", "licence_years", "licence_date", "min_education"]);

/**
 * A category applied for, checked again after its licence or education was corrected: only the
 * rules that read those facts. Age, declarations and prerequisites were checked when the category
 * was applied for and no correction changes them; checking them again today would refuse a typo's
 * fix because the candidate has since had a birthday.
 */
export function recheckCorrectedFacts(
  categoryCode: CategoryCode,
  applicant: Applicant,
  rules: Record<CategoryCode, EligibilityRule[]>,
  on: Date,
): EligibilityDto {
  const failures = evaluateEligibility(categoryCode, applicant, rules, on).failures.filter((f) =>
    CORRECTABLE_FACT_RULES.has(f.rule),
  );
  return { categoryCode, eligible: failures.length === 0, failures };
}
