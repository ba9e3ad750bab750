/**
 * GB 11643-1999 citizen identity number: 6-digit GB/T 2260 division + YYYYMMDD birth date +
 * 3-digit sequence (odd male, even female) + an ISO 7064 MOD 11-2 check character.
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = "10X98765432";

export type IdNumberProblemCode =
  "id_length" | "id_format" | "id_division" | "id_birth_date" | "id_check_digit";

export interface IdNumberProblem {
  code: IdNumberProblemCode;
  message: string;
}

export interface IdNumberInfo {
  /** Normalised: upper-case `X`. */
  idNumber: string;
  divisionCode: string;
  /** `YYYY-MM-DD`. */
  birthDate: string;
  sex: "male" | "female";
}

export type IdNumberResult = { ok: true; info: IdNumberInfo } | { ok: false; problems: IdNumberProblem[] };

/** The MOD 11-2 check character for the first 17 digits. */
export function idCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new Error("idCheckChar needs 17 digits");
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (WEIGHTS[i] ?? 0);
  return CHECK_CHARS[sum % 11] ?? "";
}

/**
 * Validates an 18-character ID number and names every problem found. `isKnownDivision` decides
 * whether the 6-digit prefix is a real division (the organisation feature supplies GB/T 2260 data);
 * `today` bounds the birth date (no one is born in the future).
 */
export function checkIdNumber(
  raw: string,
  options: { isKnownDivision?: (code: string) => boolean; today?: Date } = {},
): IdNumberResult {
  const id = raw.trim().toUpperCase();
  if (id.length !== 18)
    return { ok: false, problems: [{ code: "id_length", message: "身份证号码须为 18 位" }] };
  if (!/^\d{17}[\dX]$/.test(id)) {
    return {
      ok: false,
      problems: [{ code: "id_format", message: "身份证号码前 17 位须为数字，末位为数字或 X" }],
    };
  }
  const problems: IdNumberProblem[] = [];
  const divisionCode = id.slice(0, 6);
  if (options.isKnownDivision && !options.isKnownDivision(divisionCode)) {
    problems.push({ code: "id_division", message: `身份证号码的行政区划代码 ${divisionCode} 不存在` });
  }
  const birth = parseBirthDate(id.slice(6, 14), options.today ?? new Date());
  if (!birth) problems.push({ code: "id_birth_date", message: "身份证号码中的出生日期不合法" });
  if (idCheckChar(id.slice(0, 17)) !== id[17]) {
    problems.push({ code: "id_check_digit", message: "身份证号码校验位错误" });
  }
  if (problems.length > 0 || !birth) return { ok: false, problems };
  return {
    ok: true,
    info: { idNumber: id, divisionCode, birthDate: birth, sex: Number(id[16]) % 2 === 1 ? "male" : "female" },
  };
}

/** `YYYYMMDD` → `YYYY-MM-DD` when it is a real calendar date between 1900-01-01 and today. */
function parseBirthDate(yyyymmdd: string, today: Date): string | null {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  if (y < 1900 || m < 1 || m > 12 || d < 1) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  if (date.getTime() > today.getTime()) return null;
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
}

/** Builds a valid ID number from its parts (tests and the demo seed). */
export function makeIdNumber(divisionCode: string, birthDate: string, sequence: number): string {
  const first17 = `${divisionCode}${birthDate.replaceAll("-", "")}${String(sequence).padStart(3, "0")}`;
  return first17 + idCheckChar(first17);
}

/** `320102199001011234` → `3201**********1234`: enough to recognise, not enough to copy. */
export function maskIdNumber(id: string): string {
  return id.length <= 8
    ? "*".repeat(id.length)
    : `${id.slice(0, 4)}${"*".repeat(id.length - 8)}${id.slice(-4)}`;
}
