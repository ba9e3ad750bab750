import type { Connection } from "mongoose";
import { PUBLISHED_EVENTS } from "../../server/sharing/index.js";
import { preview, type FuzzProblems } from "./fuzz.js";
import { judge, type FuzzOutcome } from "./fuzz-http.js";
import { REFUSAL_RECORDS, snapshotDiff, storeSnapshot, type StoreSnapshot } from "./store-snapshot.js";

/**
 * How the sweep proves that refusals store nothing: inputs are sent in batches, and stored data is
 * compared (counts and content hashes, test/helpers/store-snapshot.ts) between a baseline and a
 * point after the refusals, with no accepted input in between. One comparison reads every stored
 * document, and the stored data grows with the sweep (the hub keeps every signed message), so the
 * comparisons, not the requests, made a 1,000-input sweep take hours: at FUZZ_RUNS=1000 a route
 * cost up to 122 reads. Comparisons are therefore shared by as many refusals as can be:
 *
 * - Batches sent after a baseline form a group checked by one comparison; the group doubles after
 *   each clean check (up to `maxGroup`) and falls back to one batch when accepted inputs wrote.
 * - A group with accepted inputs is compared once the store settled: unchanged, neither they nor
 *   the refusals stored anything (only a write exactly undone by another input would hide there,
 *   which is as invisible to any before/after comparison).
 * - Refusals that could not be checked where they were sent (accepted inputs beside them wrote,
 *   and would hide what they wrote) are sent again on their own, to the same caller (same index),
 *   in groups of `replayGroup` against one settled baseline.
 * - A comparison that finds a difference fails the sweep at once; the group is then bisected (its
 *   refusals sent again in halves, each against its own baseline) to name the input that did it.
 */

/** The store as the batching sees it; `storeFor` reads a node's database, unit tests fake it. */
export interface BatchStore {
  /** Counts and hashes of stored data, minus what refusals write by design. */
  read(): Promise<StoreSnapshot>;
  /** Whether a background poller still holds work an accepted input started. */
  busy(): Promise<boolean>;
  /** A gist of what grew between two snapshots (the newest documents), for the report. */
  describe(before: StoreSnapshot, after: StoreSnapshot): Promise<string>;
  sleep(ms: number): Promise<void>;
}

/** One input's sending: its outcome and how to name it in a report. */
export type Sent = { outcome: FuzzOutcome; what: string };

export interface BatchOptions<C> {
  cases: C[];
  send(c: C, index: number): Promise<Sent>;
  problems: FuzzProblems;
  /** Inputs sent together (`inFlight` at a time); default 25. */
  batchSize?: number;
  inFlight?: number;
  /** Most refusals one direct comparison covers; default 400. */
  maxGroup?: number;
  /** Refusals sent again per settled baseline; default 100. */
  replayGroup?: number;
}

/** What `runBatches` saw. */
export interface BatchesRun {
  /** Inputs answered 2xx/3xx. */
  accepted: number;
  /** Inputs refused (4xx with the error body) on their first sending. */
  refused: number;
  /** Store comparisons that covered refusals (one that found accepted inputs' writes does not count). */
  checkedBatches: number;
  /** Refusals a comparison covered (on their first sending or a replay). */
  checkedRefusals: number;
  /** Time spent reading the store and waiting for it to settle. */
  snapshotMs: number;
  /** Where the time went, for FUZZ_VERBOSE. */
  timing: { sendMs: number; reads: number; readMs: number; sleepMs: number; replayed: number };
}

/**
 * Runs `cases` and checks stored data around them (see above) over a node's own database
 * connection; `ignore` and `skip` name what its refusals write by design, beside REFUSAL_RECORDS.
 */
export async function runBatches<C>(
  options: BatchOptions<C> & {
    conn: Connection;
    ignore: ReadonlySet<string>;
    skip?: (collection: string, doc: Record<string, unknown>) => boolean;
  },
): Promise<BatchesRun> {
  return runChecked(storeFor(options.conn, options.ignore, options.skip), options);
}

/** `runBatches` over any store. */
export async function runChecked<C>(store: BatchStore, options: BatchOptions<C>): Promise<BatchesRun> {
  const { cases, problems } = options;
  const batchSize = options.batchSize ?? 25;
  const inFlight = options.inFlight ?? 4;
  const maxGroup = options.maxGroup ?? 400;
  const replayGroup = options.replayGroup ?? 100;
  const run: BatchesRun = {
    accepted: 0,
    refused: 0,
    checkedBatches: 0,
    checkedRefusals: 0,
    snapshotMs: 0,
    timing: { sendMs: 0, reads: 0, readMs: 0, sleepMs: 0, replayed: 0 },
  };
  type Item = { c: C; index: number; replays: number };
  type Sending = { accepted: number; clean: Item[]; whats: string[] };

  const read = async () => {
    const t = Date.now();
    const s = await store.read();
    run.timing.reads += 1;
    run.timing.readMs += Date.now() - t;
    return s;
  };
  // Background work started by accepted inputs is let finish before a baseline is taken: reads are
  // repeated until two agree. While the outbox or the exchange still holds work for their pollers
  // (500 ms, the hub publisher 1 s) the reads are further apart than those (1.1 s); otherwise only
  // an answer's own tail can still write, and 250 ms apart will do.
  const settle = async () => {
    const t = Date.now();
    let s = await read();
    for (let i = 0; i < 6; i++) {
      const gap = (await store.busy()) ? 1100 : 250;
      run.timing.sleepMs += gap;
      await store.sleep(gap);
      const again = await read();
      if (snapshotDiff(s, again).length === 0) break;
      s = again;
    }
    run.snapshotMs += Date.now() - t;
    return s;
  };

  /** Sends `items`, `inFlight` at a time; which were accepted and which were refused without a problem. */
  const sendAll = async (items: Item[]): Promise<Sending> => {
    const out: Sending = { accepted: 0, clean: [], whats: [] };
    const t = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const item = items[next++] as Item;
        const { outcome, what } = await options.send(item.c, item.index);
        out.whats.push(`${"status" in outcome ? outcome.status : "-"} #${item.index} ${what}`);
        const known = problems.list.length;
        // An accepted read may write by design too (a lookup that asks the hub logs the exchange).
        if (!judge(outcome, `#${item.index} ${what}`, problems)) out.accepted += 1;
        else if (problems.list.length === known) out.clean.push(item);
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, items.length) }, worker));
    run.timing.sendMs += Date.now() - t;
    return out;
  };

  /**
   * Compares stored data with `before` after refusals only (`sent`); the next baseline. A
   * difference is a problem at once, then narrowed down by bisection.
   */
  const check = async (before: StoreSnapshot, label: string, sent: Sending): Promise<StoreSnapshot> => {
    const t = Date.now();
    const after = await read();
    run.snapshotMs += Date.now() - t;
    run.checkedBatches += 1;
    run.checkedRefusals += sent.clean.length;
    const diff = snapshotDiff(before, after);
    if (!diff.length) return after;
    problems.add(
      `${label} was refused but changed stored data: ${diff.join("; ")}; newest: ${await store.describe(before, after)}; inputs: ${sent.whats.join(" | ").slice(0, 3000)}`,
    );
    if (sent.clean.length > 1) return bisect(sent.clean, label);
    return after;
  };

  /** Sends halves of `items` again, each against a settled baseline, down to one input: which did it. */
  const bisect = async (items: Item[], label: string): Promise<StoreSnapshot> => {
    const half = Math.ceil(items.length / 2);
    let last: StoreSnapshot | null = null;
    for (const part of [items.slice(0, half), items.slice(half)]) {
      const before = await settle();
      const again = await sendAll(part);
      last = again.accepted ? await settle() : await read();
      const diff = snapshotDiff(before, last);
      if (again.accepted || !diff.length) continue;
      if (part.length > 1) last = await bisect(part, label);
      else
        problems.add(
          `${label}, narrowed to ${part.length} inputs sent again: ${diff.join("; ")}; inputs: ${again.whats.join(" | ").slice(0, 3000)}`,
        );
    }
    return last ?? settle();
  };

  let before = await settle();
  // Inputs sent since `before` and not yet compared; checked together once `target` were sent.
  let group: Sending = { accepted: 0, clean: [], whats: [] };
  let target = batchSize;
  // False once accepted inputs wrote since `before`: refusals sent then wait for a replay.
  let fresh = true;
  // Set once this endpoint's accepted inputs were seen to write: from then on a batch with an
  // accepted input sends its refusals straight to the replay queue instead of reading the store.
  let acceptedWrite = false;
  let replay: Item[] = [];

  /** Sends the queued refusals again on their own against a settled baseline, and checks them. */
  const flushReplay = async () => {
    while (replay.length) {
      const items = replay.slice(0, replayGroup);
      replay = replay.slice(replayGroup);
      before = await settle();
      run.timing.replayed += items.length;
      const again = await sendAll(items);
      if (again.accepted === 0) {
        before = await check(before, `refusals #${items[0]?.index}… (${items.length}) sent again`, again);
        fresh = true;
        continue;
      }
      // One of them was accepted this time, which hides what the others wrote: they get one more
      // replay, in a later group; after that they stay unchecked (see `uncheckedRefusals`).
      replay.push(...again.clean.filter((i) => i.replays++ < 1));
      fresh = false;
    }
  };

  /**
   * Compares the store after the group. Refusals only: any difference is theirs. With accepted
   * inputs among them, the store is compared once settled: unchanged, nothing anyone sent stored
   * anything (reads, the usual case, cost no replay); changed, the refusals are sent again.
   */
  const closeGroup = async (label: string) => {
    const sent = group;
    group = { accepted: 0, clean: [], whats: [] };
    if (sent.accepted === 0) {
      before = await check(before, label, sent);
      target = Math.min(target * 2, maxGroup);
    } else {
      const after = await settle();
      if (snapshotDiff(before, after).length === 0) {
        run.checkedBatches += 1;
        run.checkedRefusals += sent.clean.length;
        target = Math.min(target * 2, maxGroup);
      } else {
        acceptedWrite = true;
        replay.push(...sent.clean);
        target = batchSize;
      }
      before = after;
    }
    if (replay.length >= replayGroup) await flushReplay();
  };

  for (let start = 0; start < cases.length; start += batchSize) {
    const batch = cases.slice(start, start + batchSize).map((c, i) => ({ c, index: start + i, replays: 0 }));
    const sent = await sendAll(batch);
    run.accepted += sent.accepted;
    run.refused += sent.clean.length;
    if (!fresh || (sent.accepted > 0 && acceptedWrite)) {
      // The baseline can no longer tell the refusals' writes from the accepted inputs'.
      replay.push(...group.clean, ...sent.clean);
      group = { accepted: 0, clean: [], whats: [] };
      fresh = false;
      if (replay.length >= replayGroup) await flushReplay();
      continue;
    }
    group = {
      accepted: group.accepted + sent.accepted,
      clean: [...group.clean, ...sent.clean],
      whats: [...group.whats, ...sent.whats],
    };
    if (group.whats.length >= target)
      await closeGroup(`inputs #${start + batch.length - group.whats.length}…#${start + batch.length - 1}`);
  }
  if (group.whats.length) await closeGroup(`inputs from #${cases.length - group.whats.length} (the last)`);
  await flushReplay();
  return run;
}

/** A node's database as the batching sees it, read over its own mongoose connection. */
export function storeFor(
  conn: Connection,
  ignored: ReadonlySet<string>,
  routeSkip?: (collection: string, doc: Record<string, unknown>) => boolean,
): BatchStore {
  const ignore = new Set([...ignored, ...REFUSAL_RECORDS.ignore]);
  const skip = routeSkip
    ? (collection: string, doc: Record<string, unknown>) =>
        REFUSAL_RECORDS.skip(collection, doc) || routeSkip(collection, doc)
    : REFUSAL_RECORDS.skip;
  return {
    read: () => storeSnapshot(conn, ignore, skip),
    busy: () => pollersHaveWork(conn),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    describe: async (before, after) => {
      const grown = [...after.keys()].filter((n) => (after.get(n)?.count ?? 0) > (before.get(n)?.count ?? 0));
      // What each new document is, in a few fields, before the documents themselves.
      const gist = (d: Record<string, unknown>) =>
        [d.action, d.direction, d.method, d.target].filter(Boolean).join(" ");
      const newest = await Promise.all(
        grown.map(async (n) => {
          const docs = (await conn.db?.collection(n).find({}).sort({ _id: -1 }).limit(3).toArray()) ?? [];
          return `${n}: [${docs.map(gist).join(" | ")}] ${preview(docs.slice(0, 2), 600)}`;
        }),
      );
      return newest.join("; ");
    },
  };
}

/**
 * Whether a poller still has work an accepted input left: an outbox entry the in-process bus or the
 * hub publisher has not delivered (status pending or processing, or a published event the hub
 * consumer has not taken yet), or an exchange case not yet sent.
 */
async function pollersHaveWork(conn: Connection): Promise<boolean> {
  const db = conn.db;
  if (!db) return false;
  const open = ["pending", "processing"];
  const outbox = await db.collection("outbox").findOne({
    $or: [
      { status: { $in: open } },
      { "deliveries.hub.status": { $in: open } },
      { name: { $in: [...PUBLISHED_EVENTS] }, "deliveries.hub.status": null },
    ],
  });
  if (outbox) return true;
  return !!(await db.collection("exchange_outgoing").findOne({ status: { $in: ["pending", "sending"] } }));
}

/**
 * A sweep whose refusals were never followed by a store comparison (every batch, and every replay
 * of its refusals, also had an accepted input) proved nothing about "refusals store nothing": that
 * is reported as a problem, so a route cannot pass unchecked unnoticed.
 */
export function uncheckedRefusals(run: BatchesRun, label: string): string | null {
  if (run.refused === 0 || run.checkedRefusals > 0) return null;
  return `${label}: ${run.refused} inputs were refused but no batch could be checked (each batch and each replay of its refusals had an accepted input)`;
}

/** One line for FUZZ_VERBOSE: what the checks covered and where the time went. */
export function describeRun(run: BatchesRun): string {
  const t = run.timing;
  return `${run.checkedBatches} checks covering ${run.checkedRefusals} refusals (${t.replayed} sent again); send ${t.sendMs} ms, ${t.reads} reads ${t.readMs} ms, settling ${t.sleepMs} ms`;
}
