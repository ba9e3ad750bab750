import { buildClient, clientBuildState, clientDist } from "../../scripts/client-build.js";
import { trackChild } from "./interrupt.js";

export { clientDist };

let building: Promise<string> | null = null;

/**
 * Builds the client once per test run when `dist/client` is missing or older than its sources
 * (scripts/client-build.ts), and returns its absolute path. A fresh build is reused, so
 * `npm run build:client` before `npm run test:e2e` (as CI does through `npm run build`) makes
 * this a no-op.
 */
export function ensureClientBuilt(): Promise<string> {
  building ??= (async () => {
    // Tracked: an interrupted run stops the build too.
    if (clientBuildState() !== "fresh") await buildClient((child) => trackChild(child));
    return clientDist;
  })();
  return building;
}
