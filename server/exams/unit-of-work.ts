import type { ClientSession } from "mongoose";
import type { Logger } from "../lib/logger.js";
import type { AuditPort } from "./ports.js";

/**
 * One transaction shared by a proctor's action on attempts and the action's audit entry: every
 * write joins `session`, and what may only happen once the change is real (socket pushes, this
 * instance's caches, the room booking) waits in `afterCommit`.
 */
export interface UnitOfWork {
  readonly session: ClientSession;
  /** Runs `effect` after the commit, in the order queued; never when the transaction aborts. */
  afterCommit(effect: () => unknown): void;
}

/**
 * Runs a command's writes in a unit of work the caller opens, after the command has done its
 * costly preparation outside it: the caller appends its audit entry (which may name what the
 * writes made) in the same unit.
 */
export type Commit<R> = (writes: (uow: UnitOfWork) => Promise<R>) => Promise<R>;

/**
 * Runs `work` as one audited transaction (`audit.transaction`: retried whole on a write
 * conflict), then the effects it queued. A retry starts with no effects, so nothing is announced
 * twice or for a try that did not commit. `work` appends its audit entry with `uow.session`.
 *
 * An effect that fails is logged and the next ones still run: the change has committed, so the
 * caller is answered with its result (a failed answer would say "not done" of a change that is
 * done, and a retry would be refused); a lost push is repaired by the next one or a reload.
 */
export async function inUnitOfWork<T>(
  audit: Pick<AuditPort, "transaction">,
  work: (uow: UnitOfWork) => Promise<T>,
  logger: Pick<Logger, "warn">,
): Promise<T> {
  let effects: (() => unknown)[] = [];
  const result = await audit.transaction((session) => {
    effects = [];
    return work({ session, afterCommit: (effect) => void effects.push(effect) });
  });
  for (const effect of effects) {
    try {
      await effect();
    } catch (err) {
      logger.warn({ err }, "an effect after a committed unit of work failed");
    }
  }
  return result;
}
