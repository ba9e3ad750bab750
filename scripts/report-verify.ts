/**
 * `npm run report:verify -- <file.signed.json | https://hub/api/hub/v1/reports/2026-11> --key <hub key>`
 *
 * Verifies a published monthly report (月度通报) against the hub key the province already trusts:
 * `--key` (base64url Ed25519, as HUB_PUBLIC_KEY) or, failing that, HUB_PUBLIC_KEY from the
 * environment. The key is never taken from the file itself. Prints the verdict and the month's
 * scores; exits 0 only for an authentic report (1 otherwise, 2 on usage errors).
 *
 * Independent check with OpenSSL 3: decode `payload` and `signature` (base64url) to files, write
 * the hub key as a PEM (SubjectPublicKeyInfo), then
 *   openssl pkeyutl -verify -pubin -inkey hub.pem -rawin -in payload.json -sigfile report.sig
 */
import { readFileSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { verifyPublishedReport } from "../server/hub/index.js";

const MAX_BYTES = 4 * 1024 * 1024;
const USAGE = "usage: npm run report:verify -- <file.signed.json | URL> --key <hub public key, base64url>";
// One base64url key in 64 starts with "-", and parseArgs takes such a word for an option (it
// throws unless written --key=<key>): the word after --key is always the key.
const args = process.argv.slice(2);
const keyAt = args.indexOf("--key");
if (keyAt >= 0 && keyAt + 1 < args.length) args.splice(keyAt, 2, `--key=${args[keyAt + 1]}`);
function readArgs() {
  try {
    return parseArgs({ args, allowPositionals: true, options: { key: { type: "string" } } });
  } catch {
    console.error(USAGE);
    process.exit(2);
  }
}
const { values, positionals } = readArgs();
const source = positionals[0];
const key = values.key ?? process.env.HUB_PUBLIC_KEY;
if (!source || !key || !/^[A-Za-z0-9_-]{43}$/.test(key)) {
  console.error(USAGE);
  process.exit(2);
}

async function load(from: string): Promise<unknown> {
  if (/^https?:\/\//.test(from)) {
    const res = await fetch(from);
    if (!res.ok) throw new Error(`下载失败：HTTP ${res.status}`);
    const text = await res.text();
    if (text.length > MAX_BYTES) throw new Error("文件过大");
    return JSON.parse(text);
  }
  if (statSync(from).size > MAX_BYTES) throw new Error("文件过大");
  return JSON.parse(readFileSync(from, "utf8"));
}

let document: unknown;
try {
  document = await load(source);
} catch (err) {
  console.error(`无法读取通报：${(err as Error).message}`);
  process.exit(1);
}
const verdict = verifyPublishedReport(document, key);
if (!verdict.ok) {
  console.log(`验证失败 [${verdict.code}]：${verdict.message}`);
  process.exit(1);
}
const r = verdict.report;
console.log(`验证通过：全国中心 ${r.month} 月度通报（签名密钥 ${verdict.keyId}，时区 ${r.timeZone}）`);
for (const p of r.provinces)
  console.log(`  ${p.provinceName}  上报 ${p.published}  接收 ${p.accepted}  被拒 ${p.rejected}  评分 ${p.score ?? "无数据"}`);
