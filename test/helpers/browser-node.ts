import type { Browser } from "playwright-core";
import { seedDemo } from "../../scripts/seed-demo.js";
import { TEST_PASSWORD } from "./auth.js";
import { launchBrowser } from "./browser.js";
import { ensureClientBuilt } from "./client-build.js";
import { startTestNode, type TestNode } from "./node.js";

/** What a browser test file gets from {@link useProvinceInBrowser}: read inside hooks and tests. */
export interface ProvinceInBrowser {
  readonly node: TestNode;
  readonly browser: Browser;
}

/**
 * The one start-up of the single-node browser tests, seeded with the demo data under the test
 * password: what most pages need (accounts, centres, sessions to show).
 */
export function useSeededProvinceInBrowser(): ProvinceInBrowser {
  return useProvinceInBrowser({ seed: true });
}

/**
 * The one start-up of the single-node browser tests: a 江苏 node serving the built client, and one
 * Chromium. With `seed` the node holds the demo data under the test password; without it the node is
 * empty, for files whose tests build every account and question they use. Registers its own
 * before/after hooks in the calling `describe`, so each file states only its tests (the block was
 * copied into nine files).
 */
export function useProvinceInBrowser(options: { seed: boolean }): ProvinceInBrowser {
  let node: TestNode | undefined;
  let browser: Browser | undefined;

  before(async function () {
    this.timeout(180_000);
    const dist = await ensureClientBuilt();
    node = await startTestNode({ provinceCode: "320000", env: { CLIENT_DIST: dist } });
    if (options.seed) await seedDemo(node.ctx, { password: TEST_PASSWORD });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  return {
    get node(): TestNode {
      if (!node) throw new Error("the test node is read before its before hook ran");
      return node;
    },
    get browser(): Browser {
      if (!browser) throw new Error("the browser is read before its before hook ran");
      return browser;
    },
  };
}
