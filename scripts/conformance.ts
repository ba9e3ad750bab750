/**
 * `npm run conformance -- --hub <url> --as <code> --key <file.pem>`: runs every requirement
 * of the hub's collection, catalog and exchange interfaces against any implementation and prints one line per
 * requirement; exits 1 when any fails. The key is a province node key (Ed25519, PKCS#8 PEM) that the
 * hub under test has registered for province <code>; the checks publish one test practitioner under it.
 * `--province <url>` (the province side of the interfaces) is not built yet and says so.
 */
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { nodeKeyFrom } from "../server/sharing/index.js";
import { runHubChecks, type CheckResult } from "./conformance/hub-checks.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function printResults(results: CheckResult[]): boolean {
  for (const r of results) console.log(`${r.ok ? "PASS" : "FAIL"} ${r.id} ${r.title} — ${r.reason}`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed}/${results.length} requirements pass`);
  return failed === 0;
}

const hub = arg("--hub");
if (arg("--province")) {
  console.error("Province-side conformance (--province <url>) is not built yet; use --hub <url> --as <code> --key <pem>.");
  process.exit(2);
}
const province = arg("--as");
const keyFile = arg("--key");
if (!hub || !province || !keyFile) {
  console.error("usage: npm run conformance -- --hub <url> --as <GB/T 2260 province code> --key <node key PEM registered at the hub>");
  process.exit(2);
}
const results = await runHubChecks({ hubUrl: hub, provinceCode: province, key: nodeKeyFrom(createPrivateKey(readFileSync(keyFile, "utf8"))) });
process.exit(printResults(results) ? 0 : 1);
