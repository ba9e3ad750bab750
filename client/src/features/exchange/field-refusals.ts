import type { ValidationIssue } from "@contracts/validation.js";
import { ApiError } from "@/shared/api.js";
import type { useFieldErrors } from "@/shared/field-errors.js";

/**
 * Refusals of one field's value that are not validation failures: a date that cannot be (a penalty
 * decided after today, an ending before the filing's start; server/exchange/exchange-dates.ts), a
 * document listed twice in one notice (server/exchange/province-documents.ts).
 * Their details list the field as a validation failure's do.
 */
const FIELD_REFUSALS = new Set(["future_date", "invalid_date", "duplicate_document"]);

/**
 * Takes the field problems of `err` into `fields`: a validation failure's, and those of a refused
 * date, which the form shows under the date it concerns like any other field's problem (they were
 * the page's general message, away from the field). True when `err` carried any.
 */
export function takeFieldRefusals(fields: ReturnType<typeof useFieldErrors>, err: unknown): boolean {
  if (fields.take(err)) return true;
  if (!(err instanceof ApiError) || !FIELD_REFUSALS.has(err.code) || !Array.isArray(err.details))
    return false;
  for (const issue of err.details as ValidationIssue[]) fields.errors[issue.path] = issue.message;
  return true;
}

/**
 * Whether every problem of `err` belongs to one of the form's fields (`paths`, as the request
 * names them): the form then shows each under its field, and a toast would only repeat them, and
 * outlive them once the fields were put right. A problem the form has no field for keeps the toast.
 */
export function placedAtFields(err: unknown, paths: ReadonlySet<string>): boolean {
  if (!(err instanceof ApiError) || !Array.isArray(err.details) || err.details.length === 0) return false;
  if (err.code !== "validation_failed" && !FIELD_REFUSALS.has(err.code)) return false;
  return (err.details as ValidationIssue[]).every((issue) => paths.has(issue.path));
}
