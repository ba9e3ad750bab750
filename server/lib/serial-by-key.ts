/**
 * Tasks run one after another per key, in the order they were queued; a task that fails does not
 * stop the next. Each key's queue is one promise that settles, never rejecting, once the key's
 * last task has settled, and it leaves the map then unless a later task took its place.
 *
 * Built for the save path (one queue per attempt, every save; issue 17): a task with nothing
 * queued before it starts at once rather than a turn later, and a queued task costs its own
 * promise and the queue's, not the two more a `catch` and a cleanup `then` would add.
 */
export function serialByKey() {
  const queues = new Map<string, Promise<void>>();
  function serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = queues.get(key);
    const next = prev ? prev.then(fn) : started(fn);
    // Unnamed closures: under tsx (esbuild's keepNames) a closure bound to a name costs a `__name`
    // call, a property definition, each time it is made.
    const tail: Promise<void> = next.then(
      () => forget(key, tail),
      () => forget(key, tail),
    );
    queues.set(key, tail);
    return next;
  }
  function forget(key: string, tail: Promise<void>): void {
    if (queues.get(key) === tail) queues.delete(key);
  }
  /** Keys with a task queued or running (tests). */
  serial.pending = (): number => queues.size;
  return serial;
}

/** `fn()`, with a throw before its first await turned into a rejection, as `then` would. */
function started<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (err) {
    return Promise.reject(err as Error);
  }
}
