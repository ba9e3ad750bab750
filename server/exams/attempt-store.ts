import type { ClientSession, Connection, mongo } from "mongoose";
import { errors } from "../lib/errors.js";
import { attemptModel } from "./attempt.model.js";
import { applyInPlace, applyLocally, conditionalUpdate, type Plan } from "./attempt-plan.js";
import type { ChainEvent } from "./event-chain.js";
import { createGroupCommit, type GroupCommit } from "./group-commit.js";
import { serialByKey } from "../lib/serial-by-key.js";
import type { AttemptLean } from "./presenters.js";

// A plan and how it becomes an update and this instance's copy (attempt-plan.ts, no database):
// the rest of the module reaches them through the store, which applies them.
export { applyInPlace, applyLocally, type Plan } from "./attempt-plan.js";

/** Fields read for every decision; the event log stays in the database (the paper has its own collection). */
export const LIGHT = { events: 0 } as const;
const MAX_RETRIES = 25;

/**
 * The outcome of `mutate`. With `cached`, `before` is this instance's copy, updated in place once
 * the change is written, so `before` and `after` are then the same object: read only what the
 * change does not touch from `before` (its clock parts, its id).
 */
export interface Mutation {
  before: AttemptLean;
  after: AttemptLean | null;
  event: ChainEvent | null;
  at: Date;
}

/**
 * The attempt collection and the one way attempts change: every change is one conditional update
 * that also appends the next chain event. The filter names the chain head it read (`chainN`), so
 * two instances changing one attempt never both win; the loser re-reads and decides again
 * (optimistic concurrency, no read-modify-write).
 */
export function createAttemptStore(
  conn: Connection,
  now: () => Date,
  options: { saveGroupMs?: number; saveGroupsInFlight?: number; cacheSize?: number } = {},
) {
  // A fixed 5,000 here made a node serving 5,001 candidates read before every save: each new copy
  // dropped the oldest, which was always the next one needed (issue 17). Now set by configuration.
  const cacheSize = options.cacheSize ?? 20_000;
  const Attempts = attemptModel(conn);
  // The driver's view of the same collection (string ids), for updates that need no casting.
  const raw = Attempts.collection as unknown as mongo.Collection<{ _id: string }>;
  // This instance's last known copy of attempts it saved for (see `mutate`): saves cost one write.
  const docCache = new Map<string, AttemptLean>();
  // Saves of one attempt on this instance run one after another, so they never contend on the chain head.
  const serial = serialByKey();
  // Uncast updates outside a transaction (the saves) are written together, one `update` command a
  // group, through the driver's own collection: the command goes to its database (mongoose's
  // collection has none), with the write concern the driver's collection inherits. Made at the
  // first save, when the connection is surely open.
  let saveGroups: GroupCommit | null = null;
  const group = (): GroupCommit => {
    if (saveGroups) return saveGroups;
    if (!conn.db) throw new Error("the database connection is not open");
    saveGroups = createGroupCommit(conn.db.collection<{ _id: string }>(Attempts.collection.collectionName), {
      windowMs: options.saveGroupMs ?? 0,
      maxInFlight: options.saveGroupsInFlight,
    });
    return saveGroups;
  };

  /** The attempt as committed, or as `session` (a transaction) sees it. */
  async function find(attemptId: string, session?: ClientSession): Promise<AttemptLean | null> {
    return Attempts.findById(attemptId, LIGHT)
      .session(session ?? null)
      .lean<AttemptLean>();
  }

  async function load(attemptId: string, session?: ClientSession): Promise<AttemptLean> {
    const doc = await find(attemptId, session);
    if (!doc) throw errors.notFound("考试记录", "attempt_not_found");
    return doc;
  }

  function remember(doc: AttemptLean): void {
    if (docCache.size >= cacheSize && !docCache.has(doc._id)) {
      const oldest = docCache.keys().next().value;
      if (oldest !== undefined) docCache.delete(oldest);
    }
    docCache.set(doc._id, doc);
  }

  /**
   * Applies `decide(doc)` as one conditional update plus a chain event, retrying on a moved chain
   * head. `decide` throws to refuse, or returns null when there is nothing to change.
   *
   * With `cached` (for `uncast` changes outside a transaction: the saves; elsewhere it is ignored),
   * the first try decides on this instance's last known copy of the attempt. That is
   * safe because the update's filter restates every precondition (chain head, status, pause,
   * deadline, seq): a stale copy simply fails to match. Any refusal or no-op decided on a cached
   * copy is decided again on a fresh read before it is answered.
   *
   * With `session`, the read and the update join that transaction (a proctor's action and its
   * audit entry commit together). Such a change is not remembered: it may still abort, and a
   * cached copy ahead of the database could wrongly match a later chain head.
   *
   * With `uncast`, the update skips mongoose's casting: only for plans whose values are already
   * the stored types. Such an update outside a transaction joins a group commit (group-commit.ts):
   * it is written in one `update` command with the other saves of the moment, and still answered with
   * its own outcome once that write is done.
   */
  function mutate(
    attemptId: string,
    decide: (doc: AttemptLean, at: Date) => Plan | null,
    options: { cached?: boolean; session?: ClientSession; uncast?: boolean } = {},
  ): Promise<Mutation> {
    const hit = options.cached && options.uncast && !options.session ? docCache.get(attemptId) : undefined;
    if (!hit) return tries(0, attemptId, decide, options);
    return cachedThen(attemptId, hit, decide, options, asIs);
  }

  /**
   * `mutate(...).then(finish)` with `finish` run in the reaction that ends the write on this
   * instance's copy, not in one more: the save path's (issue 17), whose every promise hop is a
   * promise, a reaction and a turn per save.
   */
  function mutateThen<R>(
    attemptId: string,
    decide: (doc: AttemptLean, at: Date) => Plan | null,
    options: { cached?: boolean; uncast?: boolean },
    finish: (m: Mutation) => R | PromiseLike<R>,
  ): Promise<R> {
    const hit = options.cached && options.uncast ? docCache.get(attemptId) : undefined;
    if (!hit) return tries(0, attemptId, decide, options).then(finish);
    return cachedThen(attemptId, hit, decide, options, finish);
  }

  /** `firstTryCached`, a throw before its promise turned into a rejection. */
  function cachedThen<R>(
    attemptId: string,
    hit: AttemptLean,
    decide: (doc: AttemptLean, at: Date) => Plan | null,
    options: { cached?: boolean; uncast?: boolean },
    finish: (m: Mutation) => R | PromiseLike<R>,
  ): Promise<R> {
    try {
      return firstTryCached(attemptId, hit, decide, options, finish);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /**
   * The save path's first try (cached, uncast, no transaction), decided on this instance's copy as
   * a plain function with one `then`, where the loop below keeps an async frame with all its locals
   * across two awaits: that frame was the largest single allocation of a save (issue 17). What the
   * loop's own first try would do, it does: a refusal, a no-op or a missed filter drops the copy and
   * goes on with the loop's second try, on a fresh read.
   */
  function firstTryCached<R>(
    attemptId: string,
    hit: AttemptLean,
    decide: (doc: AttemptLean, at: Date) => Plan | null,
    options: { cached?: boolean; uncast?: boolean },
    finish: (m: Mutation) => R | PromiseLike<R>,
  ): Promise<R> {
    const at = now();
    let plan: Plan | null;
    try {
      plan = decide(hit, at);
    } catch {
      plan = null;
    }
    if (!plan) {
      docCache.delete(attemptId);
      return tries(1, attemptId, decide, options).then(finish);
    }
    const decided = plan;
    const { event, set, update, filter } = conditionalUpdate(hit, decided, at, true);
    return group()
      .updateOne(attemptId, { filter, update, event })
      .then((matched): R | PromiseLike<R> => {
        if (matched) return finish(written(attemptId, hit, decided, set, event, at, true));
        docCache.delete(attemptId);
        return tries(1, attemptId, decide, options).then(finish);
      });
  }

  /** `mutate`'s tries from the `first`-th on (see `mutate`). */
  async function tries(
    first: number,
    attemptId: string,
    decide: (doc: AttemptLean, at: Date) => Plan | null,
    options: { cached?: boolean; session?: ClientSession; uncast?: boolean },
  ): Promise<Mutation> {
    const { session } = options;
    // Every try here reads: the one try on this instance's copy is `firstTryCached`.
    for (let i = first; i < MAX_RETRIES; i++) {
      const before = await load(attemptId, session);
      const at = now();
      const plan = decide(before, at);
      if (!plan) return { before, after: null, event: null, at };
      // A save's plan holds only values already of their stored types (numbers, strings, the
      // event's Date), so it goes to the driver as is: mongoose's casting of the update (the event
      // as a subdocument, timestamps) was a sixth of the node's CPU per save. `updatedAt` is then
      // set in the update as mongoose's timestamps would.
      const { event, set, update, filter } = conditionalUpdate(before, plan, at, options.uncast === true);
      const matched =
        options.uncast && !session
          ? await group().updateOne(attemptId, { filter, update, event })
          : options.uncast
            ? (await raw.updateOne(filter, update, { session })).matchedCount === 1
            : (await Attempts.updateOne(filter, update, { session })).matchedCount === 1;
      if (matched)
        return written(attemptId, before, plan, set, event, at, options.cached === true && !session);
      docCache.delete(attemptId);
    }
    throw errors.conflict("attempt_busy", "考试记录正忙，请重试");
  }

  /** The outcome of a change that was written; `kept`: this instance's copy follows it (the save path). */
  function written(
    attemptId: string,
    before: AttemptLean,
    plan: Plan,
    set: Record<string, unknown>,
    event: ChainEvent,
    at: Date,
    kept: boolean,
  ): Mutation {
    const local = !(plan.inc || plan.pull || plan.push);
    if (local && kept) {
      // The save path: this instance's copy is brought up to date in place (copying the
      // attempt's fields and its hundred answer slots on every save was most of a save's garbage).
      applyInPlace(before, set, plan.addToSet, plan.max, plan.pullUpTo);
      remember(before);
      return { before, after: before, event, at };
    }
    docCache.delete(attemptId);
    const after = local ? applyLocally(before, set, plan.addToSet, plan.max, plan.pullUpTo) : null;
    return { before, after, event, at };
  }

  /**
   * `mutate` for many attempts inside one transaction (`session`): one read of them all and one
   * bulk write of their conditional updates, not two round trips per attempt (a whole-room pause
   * holds the process's audit queue meanwhile). Inside a transaction every update matches what it
   * read, or the write conflicts and the whole transaction is retried; one that still missed is
   * decided again alone. Attempts that no longer exist are left out.
   */
  async function mutateMany(
    attemptIds: string[],
    decide: (doc: AttemptLean, at: Date) => Plan | null,
    session: ClientSession,
  ): Promise<Mutation[]> {
    const docs = await Attempts.find({ _id: { $in: attemptIds } }, LIGHT)
      .session(session)
      .lean<AttemptLean[]>();
    const at = now();
    const done: Mutation[] = [];
    const planned: (ReturnType<typeof conditionalUpdate> & { before: AttemptLean; plan: Plan })[] = [];
    for (const before of docs) {
      const plan = decide(before, at);
      if (plan) planned.push({ before, plan, ...conditionalUpdate(before, plan, at) });
      else done.push({ before, after: null, event: null, at });
    }
    if (planned.length === 0) return done;
    const res = await Attempts.bulkWrite(
      planned.map((p) => ({ updateOne: { filter: p.filter, update: p.update } })),
      { ordered: false, session },
    );
    const matched =
      res.matchedCount === planned.length
        ? null
        : new Set(
            (
              await Attempts.find(
                {
                  _id: { $in: planned.map((p) => p.before._id) },
                  chainHash: { $in: planned.map((p) => p.event.hash) },
                },
                { _id: 1 },
              )
                .session(session)
                .lean<{ _id: string }[]>()
            ).map((d) => d._id),
          );
    for (const p of planned) {
      docCache.delete(p.before._id);
      if (matched && !matched.has(p.before._id)) {
        done.push(await mutate(p.before._id, decide, { session }));
        continue;
      }
      const { plan, before, set, event } = p;
      const after =
        plan.inc || plan.pull || plan.push
          ? null
          : applyLocally(before, set, plan.addToSet, plan.max, plan.pullUpTo);
      done.push({ before, after, event, at });
    }
    return done;
  }

  return {
    Attempts,
    find,
    load,
    mutate,
    mutateThen,
    mutateMany,
    serial,
    remember,
    /** This instance's last known copy of an attempt (may be stale: the seat feed checks its head). */
    cached: (attemptId: string): AttemptLean | undefined => docCache.get(attemptId),
    /** Drops this instance's copy (the attempt changed outside `mutate`). */
    forget: (attemptId: string) => void docCache.delete(attemptId),
  };
}
export type AttemptStore = ReturnType<typeof createAttemptStore>;

/** `mutate`'s own outcome, unchanged (its `finish`). */
function asIs(m: Mutation): Mutation {
  return m;
}
