/**
 * `npm run conformance -- --hub <url> --as <code> --key <file.pem>`: runs every requirement
 * of the hub's collection, catalog and exchange interfaces against any implementation and prints one line per
 * requirement; exits 1 when any fails. The key is a province node key (Ed25519, PKCS#8 PEM) that the
 * hub under test has registered for province <code>; the checks publish one test practitioner under it.
 * `npm run conformance -- --province <url> [--hub <url>]` checks the province side: its node identity,
 * trust anchors, trust list and status list, and (with --hub) that the hub holds its keys and list.
 */
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ProvinceCode } from "../server/contracts/hub.js";
import { nodeKeyFrom } from "../server/sharing/index.js";
import { runHubChecks, type CheckResult } from "./conformance/hub-checks.js";
import { runProvinceChecks } from "./conformance/province-checks.js";

const USAGE =
  "usage: npm run conformance -- --hub <url> --as <GB/T 2260 province code> --key <node key PEM registered at the hub>\n" +
  "       npm run conformance -- --province <url> [--hub <url>]";

/** Ends the run as a usage error: what was wrong, then how to call it (exit 2). */
function usageError(why: string): never {
  console.error(`${why}\n${USAGE}`);
  process.exit(2);
}

export function printResults(results: CheckResult[]): boolean {
  for (const r of results) console.log(`${r.ok ? "PASS" : "FAIL"} ${r.id} ${r.title} — ${r.reason}`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed}/${results.length} requirements pass`);
  return failed === 0;
}

// Read strictly (both --name value and --name=value): a misspelt option used to be skipped, so
// `--province <url> --hubb <url>` ran the province checks without the hub's and still passed.
let values: { hub?: string; province?: string; as?: string; key?: string };
try {
  ({ values } = parseArgs({
    options: {
      hub: { type: "string" },
      province: { type: "string" },
      as: { type: "string" },
      key: { type: "string" },
    },
  }));
} catch (err) {
  usageError(err instanceof Error ? err.message : String(err));
}
const { hub, province: provinceUrl, as: province, key: keyFile } = values;
if (provinceUrl) {
  if (province || keyFile) usageError("--as and --key belong to the hub checks, not to --province");
  process.exit(printResults(await runProvinceChecks({ provinceUrl, hubUrl: hub })) ? 0 : 1);
}
if (!hub || !province || !keyFile) usageError("--hub, --as and --key are all needed for the hub checks");
if (!ProvinceCode.safeParse(province).success)
  usageError(`--as ${province}: not a GB/T 2260 province code (such as 320000)`);
let key: ReturnType<typeof nodeKeyFrom>;
try {
  key = nodeKeyFrom(createPrivateKey(readFileSync(keyFile, "utf8")));
} catch (err) {
  usageError(
    `--key ${keyFile}: not a readable Ed25519 private key in PEM (${err instanceof Error ? err.message : String(err)})`,
  );
}
const results = await runHubChecks({ hubUrl: hub, provinceCode: province, key });
process.exit(printResults(results) ? 0 : 1);
