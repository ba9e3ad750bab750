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

/** An older list of an issuer another list given supersedes: not used to verify. */
export interface SetAsideTrustList {
  path: string;
  /** The issuer the list names (its signed `issuer`). */
  issuer: string;
  generatedAt: string;
  /** The list of the same issuer kept instead: the newest given. */
  keptPath: string;
  keptGeneratedAt: string;
}

/**
 * Who compiled a list, as far as it can be trusted: the issuer it names under the scope of the
 * anchor that signed it. The scope, not the anchor's kid, since a trust-list key rotation changes
 * the kid but not the issuer; and the scope with the name, so a province's anchor signing a list
 * that calls itself "hub" cannot set the hub's own list aside.
 */
function issuerOf(list: LoadedTrustList): string {
  const scope = list.anchor.provinces === "*" ? "*" : [...list.anchor.provinces].sort().join(",");
  return `${list.body.issuer}\u0000${scope}`;
}

/**
 * Loads and verifies trust-list files; problems are returned, not thrown, so a CLI can print them.
 * Of several lists of one issuer only the newest (its signed generatedAt; the first given on a tie)
 * is kept and the others are returned as `setAside`: an older one may still hold open a key a later
 * list ended (a leaked key rotated at once), and would vouch for a certificate signed after that end.
 */
export function readTrustLists(
  paths: readonly string[],
  anchors: readonly TrustAnchor[],
): { lists: LoadedTrustList[]; problems: string[]; setAside: SetAsideTrustList[] } {
  const loaded: { path: string; list: LoadedTrustList }[] = [];
  const problems: string[] = [];
  for (const path of paths) {
    let file: unknown;
    try {
      file = readJson(path);
    } catch (err) {
      problems.push(`${path}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    const one = loadTrustList(file, anchors);
    if (one.ok) loaded.push({ path, list: one.list });
    else problems.push(`${path}: ${one.reason}`);
  }
  const newest = new Map<string, { path: string; list: LoadedTrustList }>();
  for (const entry of loaded) {
    const kept = newest.get(issuerOf(entry.list));
    // generatedAt is an ISO instant (the contract's IsoInstant), so it parses.
    if (!kept || Date.parse(entry.list.body.generatedAt) > Date.parse(kept.list.body.generatedAt))
      newest.set(issuerOf(entry.list), entry);
  }
  const lists: LoadedTrustList[] = [];
  const setAside: SetAsideTrustList[] = [];
  // In the order given (the verifier's tie-break keeps it), less the lists set aside.
  for (const { path, list } of loaded) {
    const kept = newest.get(issuerOf(list));
    if (kept?.list === list) lists.push(list);
    else if (kept)
      setAside.push({
        path,
        issuer: list.body.issuer,
        generatedAt: list.body.generatedAt,
        keptPath: kept.path,
        keptGeneratedAt: kept.list.body.generatedAt,
      });
  }
  return { lists, problems, setAside };
}
