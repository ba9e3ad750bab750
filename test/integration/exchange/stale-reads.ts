import type { Model } from "mongoose";

type Method = "findOne" | "exists";

/**
 * Runs `work` with the first `method` read of `model` whose filter `matches` made stale: the read
 * is made, then `between` runs to its end (another request committing meanwhile, as on another
 * hub instance), and only then does the read's caller get what it read. Every other read passes
 * through; `seen` hears of every read's filter. Resolves with `work`'s result and whether the stale
 * read happened.
 */
export async function withStaleRead<T>(
  model: Model<unknown>,
  method: Method,
  matches: (filter: Record<string, unknown>) => boolean,
  between: () => Promise<unknown>,
  work: () => Promise<T>,
  seen: (filter: Record<string, unknown>) => void = () => undefined,
): Promise<{ result: T; staled: boolean }> {
  const original = model[method].bind(model) as (...args: unknown[]) => { exec: () => Promise<unknown> };
  let staled = false;
  (model as unknown as Record<Method, unknown>)[method] = (...args: unknown[]) => {
    const query = original(...args);
    seen((args[0] ?? {}) as Record<string, unknown>);
    if (!staled && matches((args[0] ?? {}) as Record<string, unknown>)) {
      staled = true;
      const exec = query.exec.bind(query);
      query.exec = async () => {
        const read = await exec();
        await between();
        return read;
      };
    }
    return query;
  };
  try {
    return { result: await work(), staled };
  } finally {
    Reflect.deleteProperty(model, method); // back to Model's own
  }
}
