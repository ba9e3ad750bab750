import { createHash } from "node:crypto";
import { BSON } from "mongodb";
import type { Connection } from "mongoose";
import { SESSION_COLLECTION } from "../../server/auth/session.js";

/**
 * Stored data before and after a batch of refused requests: counts and content hashes of every
 * collection, read over the node's own mongoose connection (the fuzz sweep's "refusals store
 * nothing" check).
 */

/** Per collection: document count and a hash over every document's BSON in `_id` order. */
export type StoreSnapshot = Map<string, { count: number; hash: string }>;

/**
 * What a refusal may write by design: an audit entry recording the refusal itself (a candidate
 * naming another's attempt, a proctor outside their session), and so the audit chain's head; and
 * what background timers write meanwhile.
 */
export const REFUSAL_RECORDS = {
  ignore: ["audit_head"],
  skip: (collection: string, doc: Record<string, unknown>) =>
    // A refusal's own entry: refused, denied, or a case the node refused to send (refused_by_node:
    // e.g. lookup_unknown, lookup_not_own), which is audited by design.
    (collection === "audit_log" &&
      typeof doc.action === "string" &&
      /(refused|denied|refused_by_node)$/.test(doc.action)) ||
    // The failed-login summary a node's timer writes for a period's refused logins (auth's
    // failure-summaries), whatever the requests of the moment: seen landing in a refused batch of
    // PATCH /test-centres/:id, a period after the login routes' own sweep.
    (collection === "audit_log" && doc.action === "auth.login_failures_summarised") ||
    // The puller's first successful pull creates its cursors; in the fuzz world that is the one
    // 10 minutes in (the pull at start meets a hub that has not registered the node yet), and it
    // landed in a refused batch of POST /certificate-issuances/:id/issue at FUZZ_RUNS=1000. A cursor
    // still at 0 records that nothing was pulled; one that moved is still compared.
    (collection === "exchange_local_counters" &&
      typeof doc._id === "string" &&
      doc._id.startsWith("cursor:") &&
      doc.value === 0) ||
    (collection === "message_log" &&
      doc.direction === "out" &&
      TIMER_CALLS.some(
        ([method, target]) =>
          doc.method === method && typeof doc.target === "string" && target.test(doc.target),
      )),
};

/**
 * The calls a province's own timers make to the hub whatever the requests do, each logged in its
 * message log: the status-list push (every 5 minutes, and after an issue or a status change), and the exchange
 * puller's inbox pull and lookup-notice poll (every EXCHANGE_POLL_MS; the fuzz world sets the
 * longest, 10 minutes, so a sweep longer than that meets it mid-batch: seen at FUZZ_RUNS=200 as
 * message_log growing during refused batches of unrelated routes). No request kicks the puller, so
 * passing over these entries hides nothing a request wrote; anything a pull applies (cases, a
 * cursor that moved) is still compared.
 */
const TIMER_CALLS: readonly (readonly [string, RegExp])[] = [
  ["POST", /^\/api\/hub\/v1\/status-lists$/],
  ["GET", /^\/api\/hub\/v1\/exchange\/inbox\?/],
  ["GET", /^\/api\/hub\/v1\/catalog\/lookup-notices\?/],
];

/**
 * Fields that change whatever the requests, left out of a document's hash (the document itself, and
 * every other field, still counts): a login session's expiry, pushed forward by every request that
 * carries its cookie (express-session's touch; `lastModified` too when touchAfter is set), and an
 * exam instance's heartbeat. A refusal that logged someone in or out, or wrote into a session, is
 * still caught.
 */
export const VOLATILE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  [SESSION_COLLECTION]: ["expires", "lastModified"],
  exam_instances: ["seenAt"],
};

/**
 * Counts and content hashes of every collection (minus `ignore`, and minus the documents `skip`
 * says are refusal records); empty collections are left out.
 */
export async function storeSnapshot(
  conn: Connection,
  ignore: ReadonlySet<string> = new Set(),
  skip: (collection: string, doc: Record<string, unknown>) => boolean = REFUSAL_RECORDS.skip,
): Promise<StoreSnapshot> {
  const db = conn.db;
  if (!db) throw new Error("storeSnapshot: not connected");
  const names = (await db.listCollections({}, { nameOnly: true }).toArray())
    .map((c) => c.name)
    .filter((n) => !n.startsWith("system.") && !ignore.has(n))
    .sort();
  const out: StoreSnapshot = new Map();
  for (const name of names) {
    const hash = createHash("sha256");
    let count = 0;
    const volatile = VOLATILE_FIELDS[name] ?? [];
    for await (const doc of db.collection(name).find({}).sort({ _id: 1 })) {
      if (skip(name, doc)) continue;
      for (const field of volatile) delete doc[field];
      hash.update(BSON.serialize(doc));
      count += 1;
    }
    if (count) out.set(name, { count, hash: hash.digest("hex") });
  }
  return out;
}

/** The collections whose count or content differ between two snapshots. */
export function snapshotDiff(before: StoreSnapshot, after: StoreSnapshot): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  const out: string[] = [];
  for (const n of [...names].sort()) {
    const a = before.get(n);
    const b = after.get(n);
    if (a?.hash !== b?.hash)
      out.push(
        `${n}: ${a?.count ?? 0} → ${b?.count ?? 0} documents${a?.count === b?.count ? " (content changed)" : ""}`,
      );
  }
  return out;
}
