import { randomInt } from "node:crypto";
import { createAuthService, type AuthService } from "../../server/auth/index.js";
import type { TestNode } from "./node.js";

/** A minute no other test's services stand at (for `authWithFailedLoginBudget`'s clock). */
export const aMinuteOfItsOwn = (): Date => new Date(Date.now() + randomInt(1, 1_000_000) * 60_000);

/**
 * The identity service on `node`'s database, with no candidates and the failed-login audit budget
 * given, on a clock standing still at `at`. The budget is counted in the database per minute of
 * that clock and shared by every service on it (as by the instances of one node): services built
 * with one `at` share one budget, and a minute of its own (the default) gives a budget of its own
 * wherever and however long the test runs. A test that moves the time passes a clock instead of `at`.
 */
export function authWithFailedLoginBudget(
  node: TestNode,
  budget: { perSource: number; total: number; maxSources?: number },
  at: Date | (() => Date) = aMinuteOfItsOwn(),
): AuthService {
  return createAuthService(node.ctx.conn, {
    provinceCode: node.ctx.config.provinceCode,
    now: typeof at === "function" ? at : () => at,
    candidates: {
      findTicket: () => Promise.resolve(null),
      findLoginSeat: () => Promise.resolve(null),
      testCentreDivision: () => Promise.resolve(null),
      sittingUntil: () => Promise.resolve(null),
    },
    failedLoginBudget: {
      perSourcePerMinute: budget.perSource,
      totalPerMinute: budget.total,
      maxSources: budget.maxSources ?? 100,
      summaryWindowMs: 3_600_000,
    },
  });
}
