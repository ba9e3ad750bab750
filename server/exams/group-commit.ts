import { mongo } from "mongoose";

type Raw = mongo.Collection<{ _id: string }>;

/** One conditional update waiting for its group: it applies if `filter` matches, and then heads the chain with `n`/`hash`. */
export interface GroupedUpdate {
  filter: Record<string, unknown>;
  update: Record<string, unknown>;
  /** The chain event the update appends: how its own outcome is told apart from its neighbours'. */
  event: { n: number; hash: string };
}

/** Updates sent in one command at most (a bigger group would hold the database's thread longer). */
export const MAX_GROUP = 200;

/** Groups written at once at most, by default (see `createGroupCommit`). */
export const GROUPS_IN_FLIGHT = 2;

/** The reply of an `update` command: statements matched, and each failed statement by its index. */
interface UpdateReply {
  n: number;
  writeErrors?: { index: number; code?: number; errmsg?: string }[];
}

/**
 * Error codes after which a write may be sent again (MongoDB's retryable-writes specification:
 * the primary stepped down or was unreachable), for servers that do not label their errors.
 */
const RETRYABLE_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

/**
 * A network error, or a server error the server itself labels retryable (MongoDB 4.4 and later
 * say so with `RetryableWriteError`, write concern errors included) or that carries one of the
 * specification's codes.
 */
function retryable(err: unknown): boolean {
  return (
    err instanceof mongo.MongoNetworkError ||
    (err instanceof mongo.MongoServerError &&
      (err.hasErrorLabel("RetryableWriteError") || RETRYABLE_CODES.has(Number(err.code))))
  );
}

/**
 * A group as ONE `update` command (unordered: statements are independent, and one that fails does
 * not stop the rest), the command `bulkWrite` would send. The driver's bulk machinery sized,
 * checked and copied every statement on the way, and cost the node more per save than the
 * command's encoding (issue 17): about 24 against 15-18 µs of CPU per statement in a scratch
 * benchmark. What it did that matters here is kept: the collection's write concern, and one more
 * try after a network error or a primary stepping down (its retryable writes). A retry needs no
 * transaction number here: every statement names the chain head it read, so one the first try
 * applied matches nothing the second time, and is then found applied by its chain event
 * (`whichMatched`), as a group whose outcome is read back always is.
 */
async function updateCommand(raw: Raw, group: readonly GroupedUpdate[]): Promise<UpdateReply> {
  const command: Record<string, unknown> = {
    update: raw.collectionName,
    updates: group.map((u) => ({ q: u.filter, u: u.update })),
    ordered: false,
  };
  const wc = raw.writeConcern;
  if (wc) {
    // As the driver sends a write concern: w, wtimeout, j, only those set.
    const sent: Record<string, unknown> = {};
    if (wc.w != null) sent.w = wc.w;
    if (wc.wtimeoutMS != null) sent.wtimeout = wc.wtimeoutMS;
    if (wc.journal != null) sent.j = wc.journal;
    command.writeConcern = sent;
  }
  const send = () => raw.db.command(command) as Promise<UpdateReply>;
  return send().catch((err: unknown) => {
    if (!retryable(err)) throw err;
    return send();
  });
}

/**
 * Group commit of attempt updates (issue 17): updates that arrive while earlier groups are being
 * written, within the same turn of the event loop, or within `windowMs` of the previous group, go
 * to the database together as ONE unordered `update` command (`updateCommand`). Per save, a round trip of its own cost the node and the database more CPU than the
 * update itself (command encoding, implicit sessions, reply writes), so grouping is what lets the
 * saves scale past a few hundred a second.
 *
 * Up to `maxInFlight` groups are written at once (pipelining): with one, a save arriving just
 * after a large group left waited for that group's whole round trip and then for its own, and
 * the database sat idle while the node read the reply and answered the group's saves. The
 * window still paces the groups, so while round trips are shorter than the window there is
 * never more than one in flight.
 *
 * Each update keeps its own outcome: it resolves to whether ITS filter matched (its chain event is
 * in the document), or rejects with ITS write error; a neighbour's failure changes neither. Every
 * caller waits for the write that carried its update, so an acknowledgement is never sent before
 * the change is in the database. A document is in at most one group at a time: an update of a
 * document whose earlier update is still being written (or already in the group being formed)
 * waits for the next group, so the groups in flight never race on one document and the order of
 * updates inside a group does not matter. (The saves of one attempt are serialised by their
 * caller anyway; this keeps the rule true for any caller.)
 */
export function createGroupCommit(raw: Raw, options: { windowMs?: number; maxInFlight?: number } = {}) {
  const windowMs = options.windowMs ?? 0;
  const maxInFlight = Math.max(1, options.maxInFlight ?? GROUPS_IN_FLIGHT);
  type Waiting = GroupedUpdate & {
    id: string;
    resolve: (matched: boolean) => void;
    reject: (err: unknown) => void;
  };
  let queue: Waiting[] = [];
  /** Documents with an update in a group being written. */
  const writing = new Set<string>();
  let inFlight = 0;
  let scheduled = false;
  /** When the last group was sent (performance.now()). */
  let lastSent = Number.NEGATIVE_INFINITY;

  const run = () => {
    scheduled = false;
    void flush();
  };

  function schedule(): void {
    if (scheduled || inFlight >= maxInFlight || queue.length === 0) return;
    scheduled = true;
    // Groups go out at most once per window: a save arriving within `windowMs` of the last group
    // waits for the rest of it, so saves arriving a few ms apart share one round trip (a round
    // trip costs both processes more CPU than the update it carries). A save after a quiet
    // moment, or a full group, goes at the next turn of the event loop, as before.
    const wait = queue.length >= MAX_GROUP ? 0 : lastSent + windowMs - performance.now();
    if (wait >= 1) setTimeout(run, wait);
    else setImmediate(run);
  }

  /** Takes the next group off the queue: at most MAX_GROUP updates, none of a document already being written. */
  function take(): Waiting[] {
    const group: Waiting[] = [];
    const held: Waiting[] = [];
    const ids = new Set<string>();
    for (const u of queue) {
      if (group.length < MAX_GROUP && !writing.has(u.id) && !ids.has(u.id)) {
        group.push(u);
        ids.add(u.id);
      } else held.push(u);
    }
    queue = held;
    return group;
  }

  async function flush(): Promise<void> {
    const group = take();
    // Everything queued waits for a document still being written: the write ending schedules it.
    if (group.length === 0) return;
    lastSent = performance.now();
    inFlight += 1;
    for (const u of group) writing.add(u.id);
    // What is left (more than a group, or updates arriving meanwhile) may go while this group is
    // written, once the window has passed (see `maxInFlight`).
    schedule();
    try {
      await write(group);
    } finally {
      for (const u of group) writing.delete(u.id);
      inFlight -= 1;
      schedule();
    }
  }

  async function write(group: Waiting[]): Promise<void> {
    const [only] = group;
    if (only && group.length === 1) {
      // Alone in its group (a quiet moment): a plain update, whose reply is its own outcome.
      await raw.updateOne(only.filter, only.update).then(
        (res) => only.resolve(res.matchedCount === 1),
        (err: unknown) => only.reject(err),
      );
      return;
    }
    const failed = new Map<number, unknown>();
    let matchedCount: number;
    try {
      const res = await updateCommand(raw, group);
      for (const e of res.writeErrors ?? [])
        failed.set(e.index, new Error(e.errmsg ?? "write error", { cause: e }));
      matchedCount = res.n;
    } catch (err) {
      // The command itself failed (connection, timeout): nothing is known of any update.
      for (const u of group) u.reject(err);
      return;
    }
    const rest = failed.size === 0 ? group : group.filter((_u, i) => !failed.has(i));
    if (failed.size > 0) group.forEach((u, i) => failed.has(i) && u.reject(failed.get(i)));
    if (matchedCount === rest.length) {
      // Every filter that did not fail matched (the usual group): each of those updates applied.
      for (const u of rest) u.resolve(true);
      return;
    }
    const matched = await whichMatched(rest).catch(() => null);
    if (!matched) {
      for (const u of rest) u.reject(new Error("the outcome of a grouped attempt update could not be read"));
      return;
    }
    for (const u of rest) u.resolve(matched.has(u.id));
  }

  /**
   * After a group in which some filters missed: which updates applied. An update applied iff its
   * event is in the document; the head usually says so at once, and only a document that has moved
   * on past the event since (another instance or a proctor's action) is looked up by the event.
   */
  async function whichMatched(group: Waiting[]): Promise<Set<string>> {
    const heads = await raw
      .find({ _id: { $in: group.map((u) => u.id) } }, { projection: { chainN: 1, chainHash: 1 } })
      .toArray();
    const byId = new Map(heads.map((h) => [h._id, h as unknown as { chainN: number; chainHash: string }]));
    const matched = new Set<string>();
    for (const u of group) {
      const head = byId.get(u.id);
      if (!head || head.chainN < u.event.n) continue;
      if (head.chainN === u.event.n) {
        if (head.chainHash === u.event.hash) matched.add(u.id);
        continue;
      }
      const found = await raw.countDocuments(
        { _id: u.id, events: { $elemMatch: { n: u.event.n, hash: u.event.hash } } },
        { limit: 1 },
      );
      if (found > 0) matched.add(u.id);
    }
    return matched;
  }

  return {
    /** Queues one conditional update; resolves to whether its filter matched, once its group is written. */
    updateOne(id: string, u: GroupedUpdate): Promise<boolean> {
      return new Promise<boolean>((resolve, reject) => {
        queue.push({ filter: u.filter, update: u.update, event: u.event, id, resolve, reject });
        schedule();
      });
    },
  };
}
export type GroupCommit = ReturnType<typeof createGroupCommit>;
