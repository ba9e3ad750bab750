import { z } from "zod";
import { decimalNumber, wholeNumber } from "./contracts/validation.js";

/**
 * How a value written in the environment is read, shared by config.ts and its key groups
 * (config-hub.ts, config-exam.ts, config-certificates.ts, config-exchange.ts): one reading of a
 * number or a yes/no for every key.
 */

/** GB/T 2260 province-level code: two significant digits then `0000` (e.g. 320000 江苏). */
export const ProvinceCode = z
  .string()
  .regex(/^[1-9]\d0000$/, "must be a GB/T 2260 province code such as 320000");

export const boolish = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

/**
 * Numbers in the environment are decimal digits: `Number()` read `PORT=0x10` as 16 and
 * `EXAM_GRACE_SECONDS=1e1` as 10, a value nobody wrote taken as meant.
 */
export const envInt = (min: number, max?: number) =>
  wholeNumber(min, max, "must be a whole number in decimal digits");
export const envDecimal = (min: number, max: number) =>
  decimalNumber(min, max, "must be a decimal number such as 24 or 0.5");
