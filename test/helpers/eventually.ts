import { expect } from "chai";

/** How long `eventually` keeps asking, and what it says when the answer never comes. */
export interface EventuallyOptions {
  /** What is awaited, for the failure's message (e.g. "江苏's in-box lists the filing"). */
  what?: string;
  /** How many times `probe` is asked before the wait fails (default 200). */
  tries?: number;
  /** The pause between two asks, in ms (default 100). */
  everyMs?: number;
}

/**
 * Waits for what the system reaches on its own (an outbox sent, a publisher's pass, an inbox pull,
 * a page that shows it once re-read): asks `probe` until it answers something truthy and resolves
 * with that answer; fails naming `what` when it never does. The one polling helper of the tests, so
 * a wait never loops forever and its failure says what was awaited.
 *
 * `limits` may be the number of tries alone.
 */
export async function eventually<T>(
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  limits: EventuallyOptions | number = {},
): Promise<T> {
  const {
    what = "condition",
    tries = 200,
    everyMs = 100,
  } = typeof limits === "number" ? { tries: limits } : limits;
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (value) return value;
    if (i < tries - 1) await new Promise((r) => setTimeout(r, everyMs));
  }
  return expect.fail(`never reached: ${what} (asked ${tries} times, ${everyMs} ms apart)`);
}
