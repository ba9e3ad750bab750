import fc from "fast-check";
import type { Connection } from "mongoose";
import {
  HangError,
  errorShapeProblem,
  hangBound,
  nastyQuery,
  nastySegment,
  preview,
  type FuzzBody,
  type FuzzProblems,
} from "./fuzz.js";
import { PUBLISHED_EVENTS } from "../../server/sharing/index.js";
import { REFUSAL_RECORDS, snapshotDiff, storeSnapshot } from "./store-snapshot.js";

/** One malformed HTTP request of the sweep. */
export interface FuzzRequest {
  method: string;
  url: string;
  body?: FuzzBody;
  headers?: Record<string, string>;
}

export type FuzzOutcome = { status: number; body: unknown } | { failure: string };

/** Sends one request within a hang bound (`hangBound`): a request that is not answered within it is a hang. */
export async function sendBounded(baseUrl: string, req: FuzzRequest): Promise<FuzzOutcome> {
  const headers: Record<string, string> = { ...req.headers };
  let payload: string | undefined;
  if (req.body && req.method !== "GET" && req.method !== "HEAD") {
    if (req.body.kind === "json") {
      payload = req.body.value === undefined ? "" : JSON.stringify(req.body.value);
      headers["content-type"] = "application/json";
    } else {
      payload = req.body.text;
      headers["content-type"] = req.body.contentType;
    }
  }
  const bound = hangBound();
  try {
    const res = await fetch(new URL(req.url, baseUrl), {
      method: req.method,
      headers,
      body: payload,
      redirect: "manual",
      signal: bound.signal,
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: checked below for refusals, fine for e.g. a PDF download
    }
    return { status: res.status, body };
  } catch (err) {
    return { failure: err instanceof HangError ? err.message : `no answer: ${(err as Error).message}` };
  } finally {
    bound.end();
  }
}

/** Records what is wrong with one outcome; true when the request was refused (4xx). */
export function judge(outcome: FuzzOutcome, what: string, problems: FuzzProblems): boolean {
  if ("failure" in outcome) {
    problems.add(`${what} → ${outcome.failure}`);
    return true;
  }
  if (outcome.status >= 500) {
    problems.add(`${what} → ${outcome.status} ${preview(outcome.body)}`);
    return true;
  }
  if (outcome.status >= 400) {
    const shape = errorShapeProblem(outcome.body);
    if (shape) problems.add(`${what} → ${outcome.status} ${shape}`);
    return true;
  }
  return false;
}

/**
 * URLs built from a valid one: a path parameter (per the route's `:name` segments) replaced by a
 * malformed segment, or a malformed query appended.
 */
export function mutatedUrls(routePath: string, url: string): fc.Arbitrary<string> {
  const [pathPart = "", query] = url.split("?", 2);
  const segments = pathPart.split("/");
  const routeSegments = routePath.split("/");
  const offset = segments.length - routeSegments.length;
  const params = routeSegments.flatMap((s, i) => (s.startsWith(":") ? [i + offset] : []));
  const withQuery = (q: string) => `${pathPart}?${query ? `${query}&` : ""}${q}`;
  const options: fc.Arbitrary<string>[] = [nastyQuery.map(withQuery)];
  if (params.length) {
    options.push(
      fc.tuple(fc.constantFrom(...params), nastySegment).map(([i, seg]) => {
        const copy = [...segments];
        copy[i] = seg;
        return copy.join("/") + (query ? `?${query}` : "");
      }),
    );
  }
  return fc.oneof(...options);
}

/**
 * Runs `cases` in batches with a bounded number in flight, and checks stored data around each
 * batch: a batch that was refused entirely (or only read) must leave every collection as it was.
 * An accepted input hides what the refusals beside it wrote, so those refusals are sent again on
 * their own (same index, so the same caller) and checked then. Returns how many inputs were
 * accepted (2xx/3xx) and refused cleanly, and how many batches were checked (see
 * `uncheckedRefusals`).
 */
export async function runBatches<C>(options: {
  conn: Connection;
  cases: C[];
  send(c: C, index: number): Promise<{ outcome: FuzzOutcome; what: string }>;
  problems: FuzzProblems;
  ignore: ReadonlySet<string>;
  /** Documents the route's refusals write by design, on top of REFUSAL_RECORDS.skip. */
  skip?: (collection: string, doc: Record<string, unknown>) => boolean;
  batchSize?: number;
  inFlight?: number;
}): Promise<BatchesRun> {
  const { conn, cases, problems } = options;
  const ignore = new Set([...options.ignore, ...REFUSAL_RECORDS.ignore]);
  const routeSkip = options.skip;
  const skip = routeSkip
    ? (collection: string, doc: Record<string, unknown>) =>
        REFUSAL_RECORDS.skip(collection, doc) || routeSkip(collection, doc)
    : REFUSAL_RECORDS.skip;
  const batchSize = options.batchSize ?? 25;
  const inFlight = options.inFlight ?? 4;
  let accepted = 0;
  let refused = 0;
  let checkedBatches = 0;
  let snapshotMs = 0;
  // Background work started by accepted inputs is let finish before a baseline is taken: reads are
  // repeated until two agree. While the outbox or the exchange still holds work for their pollers
  // (500 ms, the hub publisher 1 s) the reads are further apart than those (1.1 s); otherwise only
  // an answer's own tail can still write, and 250 ms apart will do (a fixed 1.1 s was most of a
  // long sweep's time). After a batch that was refused entirely nothing new was started, so its
  // snapshot is the next baseline.
  const snapshot = async (settle: boolean) => {
    const t = Date.now();
    let s = await storeSnapshot(conn, ignore, skip);
    for (let i = 0; settle && i < 6; i++) {
      const gap = (await pollersHaveWork(conn)) ? 1100 : 250;
      await new Promise((r) => setTimeout(r, gap));
      const again = await storeSnapshot(conn, ignore, skip);
      if (snapshotDiff(s, again).length === 0) break;
      s = again;
    }
    snapshotMs += Date.now() - t;
    return s;
  };
  type Item = { c: C; index: number };
  /** Sends `items`; which were accepted, which were refused without a problem, and what was sent. */
  const sendAll = async (items: Item[]) => {
    let acceptedHere = 0;
    const cleanRefusals: Item[] = [];
    const whats: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const item = items[next++] as Item;
        const { outcome, what } = await options.send(item.c, item.index);
        whats.push(`${"status" in outcome ? outcome.status : "-"} ${what}`);
        const known = problems.list.length;
        // An accepted read may write by design too (a lookup that asks the hub logs the exchange).
        if (!judge(outcome, `#${item.index} ${what}`, problems)) acceptedHere += 1;
        else if (problems.list.length === known) cleanRefusals.push(item);
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, items.length) }, worker));
    return { accepted: acceptedHere, cleanRefusals, whats };
  };
  /** Compares stored data with `before` after a batch that was refused entirely; the next baseline. */
  const check = async (before: Awaited<ReturnType<typeof snapshot>>, what: string, whats: string[]) => {
    const after = await snapshot(false);
    checkedBatches += 1;
    const diff = snapshotDiff(before, after);
    if (diff.length) {
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
      problems.add(
        `${what} was refused but changed stored data: ${diff.join("; ")}; newest: ${newest.join("; ")}; inputs: ${whats.join(" | ").slice(0, 3000)}`,
      );
    }
    return after;
  };
  let before = await snapshot(true);
  // After a batch with accepted inputs and no refusals the baseline is not retaken at once (a
  // settle per batch of a route that accepts everything, such as /auth/csrf, cost the most): the
  // next batch's refusals are then sent again against a settled baseline, as after a mixed batch.
  let stale = false;
  for (let start = 0; start < cases.length; start += batchSize) {
    const batch = cases.slice(start, start + batchSize).map((c, i) => ({ c, index: start + i }));
    const label = `batch #${start}–${start + batch.length - 1}`;
    const first = await sendAll(batch);
    accepted += first.accepted;
    refused += first.cleanRefusals.length;
    if (first.accepted === 0 && !stale) {
      before = await check(before, label, first.whats);
      continue;
    }
    if (first.cleanRefusals.length === 0) {
      stale = true;
      continue;
    }
    before = await snapshot(true);
    stale = false;
    const again = await sendAll(first.cleanRefusals);
    if (again.accepted === 0)
      before = await check(
        before,
        `${label} (its refusals sent again${first.accepted ? " without the accepted inputs" : " against a settled baseline"})`,
        again.whats,
      );
    else stale = true;
  }
  return { accepted, refused, checkedBatches, snapshotMs };
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

/** What `runBatches` saw. */
export interface BatchesRun {
  /** Inputs answered 2xx/3xx. */
  accepted: number;
  /** Inputs refused (4xx with the error body) on their first sending. */
  refused: number;
  /** Batches after which stored data was compared with the baseline. */
  checkedBatches: number;
  snapshotMs: number;
}

/**
 * A sweep whose refusals were never followed by a store comparison (every batch, and every replay
 * of its refusals, also had an accepted input) proved nothing about "refusals store nothing": that
 * is reported as a problem, so a route cannot pass unchecked unnoticed.
 */
export function uncheckedRefusals(run: BatchesRun, label: string): string | null {
  if (run.refused === 0 || run.checkedBatches > 0) return null;
  return `${label}: ${run.refused} inputs were refused but no batch could be checked (each batch and each replay of its refusals had an accepted input)`;
}
