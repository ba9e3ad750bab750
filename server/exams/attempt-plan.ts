import { nextEvent, type ChainEventType } from "./event-chain.js";
import type { AttemptLean } from "./presenters.js";

// The pure half of the attempt store (attempt-store.ts): what a change to an attempt is, the
// conditional update it becomes, and how this instance's copy follows it. No database here, so
// the hot save path's allocations can be read and tested apart from the store's I/O.

/** A change to one attempt that appends one chain event, applied only if the attempt is as read. */
export interface Plan {
  filter?: Record<string, unknown>;
  set?: Record<string, unknown>;
  inc?: Record<string, number>;
  push?: Record<string, unknown>;
  pull?: Record<string, unknown>;
  addToSet?: Record<string, unknown>;
  max?: Record<string, number>;
  /** Removes the numbers ≤ n from an array of numbers (`$pull: { field: { $lte: n } }`). */
  pullUpTo?: Record<string, number>;
  event: { type: ChainEventType; data: Record<string, unknown> };
}

/**
 * The update that applies `plan` to `before` with the next chain event, only if the attempt is as
 * read. `stamped`: `updatedAt` is set in it (an update that skips mongoose, whose timestamps would
 * add it), and so also in the returned `set` that the local copy applies. Built without copies of
 * the update it returns, and without object spreads: it runs for every save, and a spread of the
 * plan's objects (whose keys differ from save to save) cost more than the rest of it (issue 17).
 * The keys come in the order the update always had.
 */
export function conditionalUpdate(before: AttemptLean, plan: Plan, at: Date, stamped = false) {
  const event = nextEvent({ n: before.chainN, hash: before.chainHash }, plan.event.type, plan.event.data, at);
  const set: Record<string, unknown> = {};
  for (const field in plan.set) set[field] = plan.set[field];
  set.chainN = event.n;
  set.chainHash = event.hash;
  if (stamped) set.updatedAt = at;
  let push: Record<string, unknown> = { events: event };
  if (plan.push) {
    push = {};
    for (const field in plan.push) push[field] = plan.push[field];
    push.events = event;
  }
  const update: Record<string, unknown> = { $set: set, $push: push };
  if (plan.inc) update.$inc = plan.inc;
  let pull: Record<string, unknown> | undefined;
  for (const field in plan.pull) (pull ??= {})[field] = plan.pull[field];
  for (const field in plan.pullUpTo) (pull ??= {})[field] = { $lte: plan.pullUpTo[field] };
  if (pull) update.$pull = pull;
  if (plan.addToSet) update.$addToSet = plan.addToSet;
  if (plan.max) update.$max = plan.max;
  const filter: Record<string, unknown> = { _id: before._id, chainN: before.chainN };
  for (const field in plan.filter) filter[field] = plan.filter[field];
  return { event, set, update, filter };
}

/**
 * This instance's copy of an attempt after a successful update: `$set` (dotted paths into
 * objects and arrays), `$addToSet`, `$max` and `pullUpTo` applied. `doc` is left as it was: only the
 * objects and arrays on the `$set` paths are copied (a save touches one answer of a hundred, so
 * copying the whole attempt was most of its cost), then the change is applied to that copy.
 */
export function applyLocally(
  doc: AttemptLean,
  set: Record<string, unknown>,
  addToSet?: Record<string, unknown>,
  max?: Record<string, number>,
  pullUpTo?: Record<string, number>,
): AttemptLean {
  const copy = { ...doc } as unknown as Record<string, unknown>;
  for (const path of Object.keys(set)) {
    let target = copy;
    for (const part of path.split(".").slice(0, -1)) {
      const inner: unknown = target[part];
      const own = Array.isArray(inner)
        ? [...(inner as unknown[])]
        : { ...(inner as Record<string, unknown>) };
      target[part] = own;
      target = own as Record<string, unknown>;
    }
  }
  applyInPlace(copy as unknown as AttemptLean, set, addToSet, max, pullUpTo);
  return copy as unknown as AttemptLean;
}

/**
 * `applyLocally` without the copies: the change is applied to `doc` itself. Only for this
 * instance's cached copy on the save path, whose saves of one attempt run one at a time
 * (`serial`), and whose readers (the seat feed, the ack's clock) read it synchronously. Lists
 * are replaced, never changed in place, so `applyLocally`'s shallow copy shares them safely; a
 * frozen object or array on a path is shared between attempts and is copied before the change.
 */
export function applyInPlace(
  doc: AttemptLean,
  set: Record<string, unknown>,
  addToSet?: Record<string, unknown>,
  max?: Record<string, number>,
  pullUpTo?: Record<string, number>,
): void {
  const fields = doc as unknown as Record<string, unknown>;
  for (const path in set) {
    let target = fields;
    let start = 0;
    for (let dot = path.indexOf("."); dot >= 0; dot = path.indexOf(".", start)) {
      const key = path.slice(start, dot);
      let inner = target[key] as Record<string, unknown>;
      // A frozen container is shared with other attempts (release's unreached answer slot): the
      // change goes to this attempt's own copy of it.
      if (Object.isFrozen(inner)) {
        inner = Array.isArray(inner) ? ([...inner] as unknown as Record<string, unknown>) : { ...inner };
        target[key] = inner;
      }
      target = inner;
      start = dot + 1;
    }
    target[start === 0 ? path : path.slice(start)] = set[path];
  }
  for (const field in addToSet) {
    const list = (fields[field] ?? []) as unknown[];
    if (!list.includes(addToSet[field])) fields[field] = [...list, addToSet[field]];
  }
  for (const field in max) fields[field] = Math.max(Number(fields[field] ?? 0), max[field] ?? 0);
  for (const field in pullUpTo) {
    const list = (fields[field] ?? []) as number[];
    const upTo = pullUpTo[field] ?? 0;
    // Usually nothing is listed (saves come in order): the list is then kept, not copied.
    if (fields[field] === undefined || list.some((x) => x <= upTo))
      fields[field] = list.filter((x) => x > upTo);
  }
}
