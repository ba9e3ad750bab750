import type { ExchangeKind } from "../contracts/exchange.js";
import { fieldLabel, type ValidationIssue } from "../contracts/validation.js";
import { errors } from "../lib/errors.js";
import { calendarDateText } from "../contracts/calendar-text.js";
import { chinaDate } from "../lib/local-time.js";

/**
 * Dates in exchange messages are facts the other province's officers act on: a penalty decided, a
 * filing's start and end. A penalty decided next month, an ending before the filing started or
 * after today, a start years ahead were taken and shown as fact. Checked by the hub for every
 * province and by our node before anything is queued (so the officer's form gets the answer), by
 * Beijing's calendar as the collection interface checks its dates (record-validation.ts): the
 * network's dates are Beijing dates. Never on messages received: the hub already holds them, and a
 * refused one stopped the whole inbox (exchange-text.ts).
 */

/** How far ahead a filing may start: filed as the practitioner takes up work, not a season before. */
export const MAX_START_DAYS_AHEAD = 30;

/**
 * A refusal naming the field, for the officer's form and for the sending node's log. Its details
 * list the field as a validation failure lists its fields (ValidationIssue), so the form shows the
 * problem under the date it concerns, not as the page's general message.
 */
function refusal(code: "future_date" | "invalid_date", path: string, message: string) {
  const issue: ValidationIssue = { path, field: fieldLabel(path.split(".")), message, code };
  return errors.unprocessable(code, message, [issue]);
}

/** A new case's dates at `now`: a notice's penalty decided by today, a filing starting within MAX_START_DAYS_AHEAD. */
export function checkCaseDates(c: { kind: ExchangeKind; details: object }, now: Date): void {
  if (c.kind === "notice") {
    const { decidedOn } = c.details as { decidedOn: string };
    if (decidedOn > chinaDate(now)) throw refusal("future_date", "details.decidedOn", "决定日期晚于今天");
  }
  if (c.kind === "filing") {
    const { startDate } = c.details as { startDate: string };
    if (startDate > chinaDate(now, MAX_START_DAYS_AHEAD))
      throw refusal(
        "future_date",
        "details.startDate",
        `开始从业日期不得晚于今天起 ${MAX_START_DAYS_AHEAD} 日`,
      );
  }
}

/** An ending's date at `now`: by today, and not before the filing's start (`startDate`, a filing's only). */
export function checkEndDate(endDate: string, startDate: string | undefined, now: Date): void {
  if (endDate > chinaDate(now)) throw refusal("future_date", "endDate", "终止日期晚于今天");
  if (startDate !== undefined && endDate < startDate)
    throw refusal(
      "invalid_date",
      "endDate",
      `终止日期早于备案的开始从业日期（${calendarDateText(startDate)}）`,
    );
}

/** The start date of a filing's details as stored (undefined for another kind). */
export function filingStart(kind: string, details: unknown): string | undefined {
  if (kind !== "filing" || typeof details !== "object" || details === null) return undefined;
  const { startDate } = details as { startDate?: unknown };
  return typeof startDate === "string" ? startDate : undefined;
}
