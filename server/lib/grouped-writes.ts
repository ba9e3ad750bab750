import { mongo } from "mongoose";

/** One item's outcome in its group: its own value or its own error. */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Group commit for independent writes: items that arrive while the previous group is being written
 * go together as the next group (at most `max`), through `write`, which answers each item's
 * outcome in order. Each caller waits for the write that carried its item, so nothing is
 * acknowledged before it is in the database; a neighbour's failure is not the caller's. A round
 * trip per item cost the node and the database more CPU than the write itself (command encoding,
 * sessions, replies), and under concurrency the items meet anyway.
 */
export function groupedWrites<T, R>(
  write: (group: T[]) => Promise<Outcome<R>[]>,
  max = 200,
): (item: T) => Promise<R> {
  let waiting: { item: T; resolve: (value: R) => void; reject: (err: unknown) => void }[] = [];
  let writing = false;

  async function flush(): Promise<void> {
    writing = true;
    while (waiting.length > 0) {
      const group = waiting.slice(0, max);
      waiting = waiting.slice(group.length);
      try {
        const outcomes = await write(group.map((w) => w.item));
        group.forEach((w, i) => {
          const o = outcomes[i];
          if (o?.ok) w.resolve(o.value);
          else w.reject(o ? o.error : new Error("no outcome for a grouped write"));
        });
      } catch (err) {
        for (const w of group) w.reject(err);
      }
    }
    writing = false;
  }

  return (item: T) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!writing) void flush();
    });
}

/**
 * The outcome of each operation of an unordered bulk write from the error it may have thrown:
 * the operations the server refused carry their write error, the others succeeded. Any other
 * error (connection, timeout) says nothing of any operation and is thrown again.
 */
export function bulkOutcomes(count: number, err: unknown): Outcome<true>[] {
  if (err === null) return Array.from({ length: count }, () => ({ ok: true, value: true }));
  if (!(err instanceof mongo.MongoBulkWriteError))
    throw err instanceof Error ? err : new Error("grouped write failed", { cause: err });
  const failed = new Map<number, mongo.WriteError>();
  for (const e of [err.writeErrors].flat()) failed.set(e.index, e);
  return Array.from({ length: count }, (_, i) => {
    const e = failed.get(i);
    return e ? { ok: false, error: e } : { ok: true, value: true };
  });
}
