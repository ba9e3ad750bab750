import type { ExamSessionDto } from "../contracts/scheduling.js";

/**
 * Sessions read for the access checks of the next `ttlMs` (a console's burst of actions on one
 * room), by the id asked and the session's own id; then dropped (swept at most once per `ttlMs`,
 * on a write): never dropped, every session any console ever asked about stayed in memory for the
 * node's life. Audit entries never name a session from here (proctor-desk.ts SessionOfEntry).
 */
export function createSessionCache(ttlMs: number, clock: () => number = Date.now) {
  const cache = new Map<string, { at: number; session: ExamSessionDto }>();
  let sweptAt = clock();
  return {
    put(ids: readonly string[], session: ExamSessionDto): void {
      const at = clock();
      if (at - sweptAt >= ttlMs) {
        for (const [id, hit] of cache) if (at - hit.at >= ttlMs) cache.delete(id);
        sweptAt = at;
      }
      const hit = { at, session };
      for (const id of ids) cache.set(id, hit);
    },
    /** The session read within `ttlMs`, for an access check. */
    get(sessionId: string): ExamSessionDto | undefined {
      const hit = cache.get(sessionId);
      return hit && clock() - hit.at < ttlMs ? hit.session : undefined;
    },
    /** How many ids are held (for tests of the bound). */
    get size(): number {
      return cache.size;
    },
  };
}
