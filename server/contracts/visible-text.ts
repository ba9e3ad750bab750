import { z } from "zod";
import { hasInvisible, INVISIBLE_REFUSED } from "./validation.js";

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
  return (
    z
      .string()
      .trim()
      .max(max)
      // Hidden characters are those a name may not hold (validation.ts), less the tab and line
      // breaks a reason's text area types.
      .refine((s) => !hasInvisible(s, true), { message: INVISIBLE_REFUSED, abort: true })
      .refine((s) => visibleLength(s) >= min, `请至少填写 ${min} 个字`)
  );
}
