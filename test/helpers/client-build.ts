import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { trackChild } from "./interrupt.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Where `npm run build:client` writes and where e2e nodes serve the client from (`CLIENT_DIST`). */
export const clientDist = path.join(root, "dist/client");

/** What the client bundle is built from: a change in any of these makes dist/client stale. */
const sources = [path.join(root, "client"), path.join(root, "server/contracts")];

let building: Promise<string> | null = null;

/**
 * Builds the client once per test run when `dist/client` is missing or older than its sources,
 * and returns its absolute path. A fresh build is reused, so `npm run build:client` before
 * `npm run test:e2e` (as CI does through `npm run build`) makes this a no-op.
 */
export function ensureClientBuilt(): Promise<string> {
  building ??= (async () => {
    const index = path.join(clientDist, "index.html");
    if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(sources)) return clientDist;
    // Build beside the served folder and swap it in, so a node another run is serving from never
    // sees a half-emptied dist/client for the seconds a build takes.
    const fresh = `${clientDist}.build-${process.pid}`;
    const old = `${clientDist}.old-${process.pid}`;
    await runViteBuild(fresh);
    if (existsSync(clientDist)) await rename(clientDist, old);
    await rename(fresh, clientDist);
    await rm(old, { recursive: true, force: true });
    return clientDist;
  })();
  return building;
}

function newestMtime(dirs: string[]): number {
  let newest = 0;
  const walk = (p: string): void => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) if (name !== "node_modules") walk(path.join(p, name));
    } else if (st.mtimeMs > newest) newest = st.mtimeMs;
  };
  for (const d of dirs) if (existsSync(d)) walk(d);
  return newest;
}

function runViteBuild(outDir: string): Promise<void> {
  const vite = path.join(root, "node_modules/vite/bin/vite.js");
  return new Promise((resolve, reject) => {
    // Tracked: an interrupted run stops the build too.
    const child = trackChild(
      spawn(
        process.execPath,
        [
          vite,
          "build",
          "--config",
          "client/vite.config.ts",
          "--outDir",
          outDir,
          "--emptyOutDir",
          "--logLevel",
          "warn",
        ],
        {
          cwd: root,
          stdio: ["ignore", "inherit", "inherit"],
        },
      ),
    );
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`vite build failed with exit code ${code}`));
    });
  });
}
