/**
 * The client bundle that nodes serve (`dist/client`), built when it is missing or older than what
 * it is built from. Shared by `npm start` (scripts/demo-network.ts) and the browser tests
 * (test/helpers/client-build.ts): a demo started after `git pull` used to serve the bundle of the
 * code before the pull, because it built only when `dist/client` was missing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Where the bundle is written and served from (`CLIENT_DIST`). */
export const clientDist = path.join(root, "dist/client");

/**
 * What the bundle is built from: a change in any of these makes it stale. The client imports the
 * contracts (`@contracts`), and the lock file decides the versions of the UI libraries bundled.
 */
const SOURCES = ["client", "server/contracts", "package-lock.json"].map((p) => path.join(root, p));

/** Whether this checkout has a client to build at all (a server-only image has none). */
export function hasClientSources(): boolean {
  return existsSync(path.join(root, "client"));
}

/**
 * "missing", "stale" (a source changed after the last build) or "fresh"; of the served bundle
 * unless told which built folder and sources to compare.
 */
export function clientBuildState(built = clientDist, sources = SOURCES): "missing" | "stale" | "fresh" {
  const index = path.join(built, "index.html");
  if (!existsSync(index)) return "missing";
  return statSync(index).mtimeMs >= newestMtime(sources) ? "fresh" : "stale";
}

/**
 * Builds the bundle beside the served folder and swaps it in, so a node serving `dist/client`
 * never sees it half-emptied for the seconds a build takes. `track` lets a caller stop the build
 * with itself (the tests' interrupt handling).
 */
export async function buildClient(track: (child: ChildProcess) => ChildProcess = (c) => c): Promise<void> {
  const fresh = `${clientDist}.build-${process.pid}`;
  const old = `${clientDist}.old-${process.pid}`;
  await runViteBuild(fresh, track);
  if (existsSync(clientDist)) await rename(clientDist, old);
  await rename(fresh, clientDist);
  await rm(old, { recursive: true, force: true });
}

function newestMtime(paths: string[]): number {
  let newest = 0;
  const walk = (p: string): void => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) if (name !== "node_modules") walk(path.join(p, name));
    } else if (st.mtimeMs > newest) newest = st.mtimeMs;
  };
  for (const p of paths) if (existsSync(p)) walk(p);
  return newest;
}

function runViteBuild(outDir: string, track: (child: ChildProcess) => ChildProcess): Promise<void> {
  const vite = path.join(root, "node_modules/vite/bin/vite.js");
  const args = ["build", "--config", "client/vite.config.ts", "--outDir", outDir, "--emptyOutDir"];
  return new Promise((resolve, reject) => {
    // Warnings and errors only: the list of every built file (about 150 lines) buried the output.
    const child = track(
      spawn(process.execPath, [vite, ...args, "--logLevel", "warn"], {
        cwd: root,
        stdio: ["ignore", "inherit", "inherit"],
      }),
    );
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`vite build failed with exit code ${code}`)),
    );
  });
}
