import { z } from "zod";
import { canonicalPersonName, personName, refuseInvisible } from "./validation.js";

/**
 * Free text of the exchange that the other province's officers read: a notice's facts, a
 * transfer's reason, an answer's note, codes typed by hand. A zero-width space or a bidirectional
 * control pasted with it shows them other characters, or the same ones in another order.
 *
 * Two rules, one per direction:
 * - `typed`: our officers' forms and every message the hub takes, from any province's node (the
 *   interface is ours and its schemas are published, so another implementation learns the rule
 *   from the document and from the refusal): refused, naming the field.
 * - `received`: the inbox the hub hands a province. Messages the hub took before it refused such
 *   text still wait there; refused at the province, one of them stopped its whole inbox (a page is
 *   applied whole or not at all). Taken, with the characters removed: officers read what is seen.
 *   Names too (an officer's, an employer's, an authority's, a practitioner's): the hub took them
 *   before it refused them in names (15bfd33).
 */
export type TextRule = "typed" | "received";

/** The one definition of an invisible character is `refuseInvisible`'s (validation.ts). */
const VISIBLE = refuseInvisible(z.string());
/** What a text area types between lines: kept in multi-line text. */
const LINE_BREAK = /^[\r\n\t]$/;

function isVisible(text: string, lines: boolean): boolean {
  return VISIBLE.safeParse(lines ? text.replace(/[\r\n\t]/g, " ") : text).success;
}

/** `text` without its invisible characters (line breaks kept in multi-line text). */
function withoutInvisible(text: string, lines: boolean): string {
  if (isVisible(text, lines)) return text;
  return Array.from(text)
    .filter((ch) => (lines && LINE_BREAK.test(ch)) || VISIBLE.safeParse(ch).success)
    .join("");
}

/**
 * `base` (a string schema) under `rule`, for the field officers know as `label` (e.g. 违法事实);
 * `lines` for text typed in a text area, whose line breaks and tabs are text.
 */
export function readableText(base: z.ZodString, rule: TextRule, label: string, lines = false): z.ZodString {
  return rule === "typed"
    ? base.refine(
        (s) => isVisible(s, lines),
        `${label}含不可见字符（零宽字符、方向控制符等），请删除后重新输入`,
      )
    : base.overwrite((s) => withoutInvisible(s, lines));
}

/**
 * What a received name made only of invisible characters reads as. Cleaned, nothing of it is left:
 * refused as too short, the message stopped the province's inbox for good; kept empty, it read as
 * no one. Marked, the case arrives and its officers find the person by the ID number. Not a name
 * anyone types (a typed name is refused with an invisible character, and the brackets say it is
 * not a name).
 */
export const UNREADABLE_NAME = "（无法识别）";

const markedIfEmpty = (s: string) => s || UNREADABLE_NAME;

/**
 * A name the other province's officers read (an officer's, an employer's, an authority's): `base`
 * refusing invisible characters under `typed` (the message of every refused name), cleaned under
 * `received` as `readableText` cleans free text, trimmed again once cleaned, and UNREADABLE_NAME
 * when nothing is left.
 */
export function readableName(base: z.ZodString, rule: TextRule, label: string): z.ZodString {
  return rule === "typed"
    ? refuseInvisible(base)
    : readableText(base, rule, label).trim().overwrite(markedIfEmpty);
}

/**
 * A practitioner's name (`personName`'s rules) under `rule`. Received, its invisible characters go
 * first, so that the name is then spelled as `personName` spells it (a zero-width space between
 * 阿卜杜 and · kept the dot from being made the ID card's), and UNREADABLE_NAME when nothing is left.
 */
export function readablePersonName(rule: TextRule, min: number, max: number): z.ZodString {
  if (rule === "typed") return personName(min, max);
  return z
    .string()
    .overwrite((s) => withoutInvisible(s, false))
    .normalize("NFC")
    .trim()
    .overwrite(canonicalPersonName)
    .overwrite(markedIfEmpty)
    .min(min)
    .max(max);
}
