import { z } from "zod";
import { INVISIBLE_REFUSED } from "./validation.js";

/**
 * Characters nobody sees: format characters (zero-width spaces and joiners, bidirectional
 * overrides and isolates, the BOM), line and paragraph separators, and control characters other
 * than the tab and line breaks a text area types.
 */
const HIDDEN = /[\p{Cf}\p{Zl}\p{Zp}]|[^\P{Cc}\t\n\r]/u;
/** What counts toward a minimum: every character but white space (and the hidden ones, refused). */
const VISIBLE = /[^\p{White_Space}]/gu;

/** How many characters of `s` a reader sees (code points, white space not counted). */
function visibleLength(s: string): number {
  return s.match(VISIBLE)?.length ?? 0;
}

/**
 * A required written reason or note (why a proctor paused, extended, voided, forced a hand-in or
 * released early; why an officer withdrew a candidate or ended a certificate): audited, and read later by whoever reviews the sitting. "\u200b\u200b" passed
 * `trim().min(2)` as a reason, and bidirectional controls show a reviewer the words in another
 * order. Hidden characters are refused with a message saying why, and `min` counts visible
 * characters only; `max` bounds the text as stored (trimmed).
 */
export function visibleText(min: number, max: number) {
  return z
    .string()
    .trim()
    .max(max)
    .refine((s) => !HIDDEN.test(s), { message: INVISIBLE_REFUSED, abort: true })
    .refine((s) => visibleLength(s) >= min, `请至少填写 ${min} 个字`);
}
