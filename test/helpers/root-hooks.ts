import { stopTestDatabase } from "./database.js";

/** Mocha root hooks: the shared test database is stopped once, after every file has run. */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await stopTestDatabase();
  },
};
