import { stopServerUnderTest } from "./standin-fixtures.js";

/** Mocha root hooks: the shared stand-in is stopped once, after every file has run. */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await stopServerUnderTest();
  },
};
