import { stopTestDatabase } from "./database.js";
import { exitNonZeroOnInterrupt, stopTrackedChildren } from "./interrupt.js";

/**
 * Mocha root hooks: the shared test database is stopped once, after every file has run. An
 * interrupted run (SIGINT/SIGTERM) stops the children the tests started and the database, then
 * exits 130/143: mocha itself would stop mid-test with neither done.
 */
export const mochaHooks = {
  beforeAll() {
    exitNonZeroOnInterrupt(async () => {
      await stopTrackedChildren();
      await stopTestDatabase();
    });
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await stopTestDatabase();
  },
};
