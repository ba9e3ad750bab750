import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { TrustAnchorsFile, type TrustAnchor } from "../../contracts/certificates.js";
import { loadTrustList, type LoadedTrustList } from "./trust-list.js";

/** The made-up province the committed demo keys sign for (not a GB/T 2260 code, on purpose). */
export const DEMO_PROVINCE_CODE = "990000";

/** trust/demo/ at the repository root, from the sources (tsx) or from dist/. */
export const DEMO_TRUST_DIR: string = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "../../../trust/demo"), join(here, "../../../../trust/demo")];
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
})();
export const DEMO_ANCHORS_FILE = join(DEMO_TRUST_DIR, "trust-anchors.json");
export const DEMO_TRUST_LIST_FILE = join(DEMO_TRUST_DIR, "trust-list.json");

/** Files are bounded before parsing: a trust list is a few hundred keys, never megabytes. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

function readJson(path: string): unknown {
  const text = readFileSync(path);
  if (text.length > MAX_FILE_BYTES) throw new Error(`${path} is larger than ${MAX_FILE_BYTES} bytes`);
  return JSON.parse(text.toString("utf8")) as unknown;
}

export function readAnchorsFile(path: string): TrustAnchor[] {
  return TrustAnchorsFile.parse(readJson(path)).anchors;
}

/** Loads and verifies trust-list files; problems are returned, not thrown, so a CLI can print them. */
export function readTrustLists(
  paths: readonly string[],
  anchors: readonly TrustAnchor[],
): { lists: LoadedTrustList[]; problems: string[] } {
  const lists: LoadedTrustList[] = [];
  const problems: string[] = [];
  for (const path of paths) {
    let file: unknown;
    try {
      file = readJson(path);
    } catch (err) {
      problems.push(`${path}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    const loaded = loadTrustList(file, anchors);
    if (loaded.ok) lists.push(loaded.list);
    else problems.push(`${path}: ${loaded.reason}`);
  }
  return { lists, problems };
}
