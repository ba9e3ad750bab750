import { hash } from "node:crypto";
import type { AttemptEventDto } from "../contracts/exams.js";
import type { Paper } from "../contracts/paper.js";
import { wellFormed } from "../lib/well-formed.js";

/** The hash the first event of every attempt links to. */
export const CHAIN_GENESIS = "0".repeat(64);

export type ChainEventType = AttemptEventDto["type"];

/** One stored event of an attempt's chain. */
export interface ChainEvent {
  n: number;
  at: Date;
  type: ChainEventType;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/**
 * JSON with object keys sorted at every level (UTF-16 code unit order), so the hash does not
 * depend on key order; undefined members are left out, undefined array items written as null.
 * Built as one string without intermediate arrays: it runs for every save (issue 17).
 */
export function canonical(value: unknown): string {
  // Data whose keys are already in that order, and that holds nothing JSON.stringify writes
  // otherwise, is its own canonical text: one native call instead of a string built piece by piece
  // (which was a fifth of a save's garbage in the node). Everything else takes the general rule.
  return value !== undefined && writtenAsIs(value) ? JSON.stringify(value) : built(value);
}

/**
 * Whether `JSON.stringify(value)` is exactly `built(value)`: plain objects whose own keys come in
 * sorted order (integer-like keys, which objects list first, then fail the order check) and
 * without a `toJSON`, arrays without one, valid Dates, strings, numbers, booleans, null, and
 * undefined inside objects and arrays (both skip the member or write null for the item).
 */
function writtenAsIs(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  const type = typeof value;
  if (type === "string" || type === "number" || type === "boolean") return true;
  if (type !== "object") return false;
  if (value instanceof Date) return value.toJSON === Date.prototype.toJSON && !Number.isNaN(value.getTime());
  if ((value as { toJSON?: unknown }).toJSON !== undefined) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!writtenAsIs(value[i])) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  let previous: string | null = null;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) return false;
    if (previous !== null && !(previous < key)) return false;
    previous = key;
    if (!writtenAsIs((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/** The rule itself, for any value. */
function built(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + built(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = "{";
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined) continue;
    out += `${out.length === 1 ? "" : ","}${JSON.stringify(key)}:${built(member)}`;
  }
  return `${out}}`;
}

/** The first 20 characters of `toISOString` (up to the seconds' dot) of the last second written. */
let isoSecond = Number.NaN;
let isoPrefix = "";
/** Dates from 1970 to 9999 (`toISOString`'s four-digit years, non-negative times). */
const ISO_FOUR_DIGITS_UNTIL = Date.UTC(10_000, 0, 1);

/**
 * `at.toISOString()`, with the text up to the second kept from the last call: the builtin cost a
 * save more than the sha256 of its event (issue 17), and saves come many to the second.
 */
export function isoText(at: Date): string {
  const t = at.getTime();
  if (!(t >= 0 && t < ISO_FOUR_DIGITS_UNTIL)) return at.toISOString();
  const second = Math.floor(t / 1000);
  if (second !== isoSecond) {
    isoPrefix = at.toISOString().slice(0, 20);
    isoSecond = second;
  }
  const ms = t - second * 1000;
  return `${isoPrefix}${ms < 10 ? "00" : ms < 100 ? "0" : ""}${ms}Z`;
}

/** sha256 over the previous hash and the event's content: editing or dropping any event breaks every later link. */
export function eventHash(e: Omit<ChainEvent, "hash">): string {
  // One-shot hash of the same bytes the streaming hash was fed (prevHash, "\n", the content).
  // Keys in sorted order, so that `canonical` can write it with one JSON.stringify.
  const content = canonical({ at: isoText(e.at), data: e.data, n: e.n, type: e.type });
  return hash("sha256", `${e.prevHash}\n${content}`, "hex");
}

/** The next event after `head` (null head = the attempt's first event). */
export function nextEvent(
  head: { n: number; hash: string } | null,
  type: ChainEventType,
  data: Record<string, unknown>,
  at: Date,
): ChainEvent {
  // Hash and store the same well-formed text (a lone surrogate would be stored as U+FFFD).
  // Written as one literal, not a spread of the hashed part: it is made for every save (issue 17).
  const n = (head?.n ?? 0) + 1;
  const prevHash = head?.hash ?? CHAIN_GENESIS;
  if (data === builtData && (type === "answer" || type === "flag") && Number.isFinite(n)) {
    const known = builtText;
    builtData = null;
    // A save's data (`answerData`, `flagData`): its canonical text was written as it was built and
    // it is well-formed already. The content's keys, in canonical order, are written the same way;
    // a finite number's JSON is its `String`, and the ISO text and these types need no escapes.
    const content = `{"at":"${isoText(at)}","data":${known},"n":${n},"type":"${type}"}`;
    return { n, at, type, data, prevHash, hash: hash("sha256", `${prevHash}\n${content}`, "hex") };
  }
  const stored = wellFormed(data);
  return { n, at, type, data: stored, prevHash, hash: eventHash({ n, at, type, data: stored, prevHash }) };
}

/**
 * The save data `answerData` or `flagData` made last, with its canonical text, until `nextEvent`
 * takes it: the save path wrote that text with `canonical`'s general walk and `wellFormed`'s, most
 * of the chain's cost per save but the sha256 (issue 17). One slot, not a WeakMap (a quarter of a
 * microsecond per save, mostly its collection): a save's plan becomes its event in the same turn
 * (`conditionalUpdate` right after the decision), and data that is not the very object last made
 * (another's, a copy, one read back) takes the general rule.
 */
let builtData: object | null = null;
let builtText = "";

/** A finite number's JSON text (`String`, as JSON.stringify writes it), or null. */
function finiteText(value: number): string | null {
  return typeof value === "number" && Number.isFinite(value) ? `${value}` : null;
}

/**
 * An answer save's event data, keys in canonical order. Its canonical text is known from here on
 * (`nextEvent` then writes it without a walk) when every part is what the contract lets through:
 * finite numbers and well-formed strings; anything else takes the general rule, unchanged.
 */
export function answerData(choice: string[], index: number, seq: number): Record<string, unknown> {
  const data = { choice, index, seq };
  const indexText = finiteText(index);
  const seqText = finiteText(seq);
  if (indexText === null || seqText === null || !Array.isArray(choice)) return data;
  let list = "[";
  for (let i = 0; i < choice.length; i++) {
    const key: unknown = choice[i];
    if (typeof key !== "string" || !key.isWellFormed()) return data;
    // JSON.stringify of a string is `built`'s text for it (escapes included).
    list += (i === 0 ? "" : ",") + JSON.stringify(key);
  }
  builtData = data;
  builtText = `{"choice":${list}],"index":${indexText},"seq":${seqText}}`;
  return data;
}

/** A flag save's event data, keys in canonical order, its canonical text known as `answerData`'s is. */
export function flagData(flagged: boolean, index: number, seq: number): Record<string, unknown> {
  const data = { flagged, index, seq };
  const indexText = finiteText(index);
  const seqText = finiteText(seq);
  if (indexText === null || seqText === null || typeof flagged !== "boolean") return data;
  builtData = data;
  builtText = `{"flagged":${flagged},"index":${indexText},"seq":${seqText}}`;
  return data;
}

/** Checks a whole chain; returns the number (n) of the first bad event, or null when it is intact. */
export function findBrokenLink(events: readonly ChainEvent[]): number | null {
  let prev = CHAIN_GENESIS;
  for (const [i, e] of events.entries()) {
    if (e.n !== i + 1 || e.prevHash !== prev || eventHash(e) !== e.hash) return e.n;
    prev = e.hash;
  }
  return null;
}

/**
 * sha256 of a frozen paper's canonical text, answer keys and option orders included: what an
 * attempt's chain commits to. A paper cannot be rebuilt from its seed (assembly also weighs the
 * candidate's earlier papers and the room's exposure counts), so without it an edit of the stored
 * paper before closing changed the grade and left every link intact. Members holding null or
 * undefined are left out, so the paper as assembled and as read back (where the store may have
 * written an absent optional member as null) hash alike.
 */
export function paperHash(paper: Paper): string {
  return hash("sha256", canonical(withoutEmpty(paper)), "hex");
}

function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpty);
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) if (member != null) out[key] = withoutEmpty(member);
  return out;
}

/** What a chain says of the paper stored now: the one checked in, another, or nothing (older chains). */
export type PaperOnRecord = "intact" | "changed" | "unrecorded";

/**
 * Compares the paper's hash now (`current`) with the one the check-in event names and the ones
 * closings name (the paper each graded): `changed` when any differs, `unrecorded` for a chain
 * whose check-in named none (made before it did). Check the links with `findBrokenLink`.
 */
export function paperOnRecord(events: readonly ChainEvent[], current: string): PaperOnRecord {
  const first = events[0];
  const recorded = first?.type === "check_in" ? first.data.paperHash : undefined;
  if (typeof recorded !== "string") return "unrecorded";
  if (recorded !== current) return "changed";
  const graded = events.filter((e) => e.type === "submit" && e.data.paperHash !== undefined);
  return graded.every((e) => e.data.paperHash === recorded) ? "intact" : "changed";
}
