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
import { nodeKeyFrom } from "../server/sharing/index.js";
import { runHubChecks, type CheckResult } from "./conformance/hub-checks.js";
import { runProvinceChecks } from "./conformance/province-checks.js";

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
const provinceUrl = arg("--province");
if (provinceUrl) process.exit(printResults(await runProvinceChecks({ provinceUrl, hubUrl: hub })) ? 0 : 1);
const province = arg("--as");
const keyFile = arg("--key");
if (!hub || !province || !keyFile) {
  console.error(
    "usage: npm run conformance -- --hub <url> --as <GB/T 2260 province code> --key <node key PEM registered at the hub>\n" +
      "       npm run conformance -- --province <url> [--hub <url>]",
  );
  process.exit(2);
}
const results = await runHubChecks({ hubUrl: hub, provinceCode: province, key: nodeKeyFrom(createPrivateKey(readFileSync(keyFile, "utf8"))) });
process.exit(printResults(results) ? 0 : 1);
