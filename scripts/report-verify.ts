/**
 * `npm run report:verify -- <file.signed.json | https://hub/api/hub/v1/reports/2026-11> --key <hub key> [--month YYYY-MM]`
 *
 * Verifies a published monthly report (月度通报) against the hub key the province already trusts:
 * `--key` (base64url Ed25519, as HUB_PUBLIC_KEY) or, failing that, HUB_PUBLIC_KEY from the
 * environment. The key is never taken from the file itself. The report must be of the month asked
 * for: `--month`, or else the month a download URL ends with or a file's name gives
 * (monthly-report-YYYY-MM…; a file named otherwise needs --month), since a genuine October report
 * offered as November's is no November report. Prints the verdict, the thumbprint of the key that
 * verified it and the month's scores; exits 0 only for an authentic report of that month (1
 * otherwise, 2 on usage errors).
 *
 * Independent check with OpenSSL 3: decode `payload` and `signature` (base64url) to files, write
 * the hub key as a PEM (SubjectPublicKeyInfo), then
 *   openssl pkeyutl -verify -pubin -inkey hub.pem -rawin -in payload.json -sigfile report.sig
 */
import { readFileSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { verifyPublishedReport } from "../server/hub/index.js";

const MAX_BYTES = 4 * 1024 * 1024;
const USAGE = "usage: npm run report:verify -- <file.signed.json | URL> --key <hub public key, base64url> [--month YYYY-MM]";
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
// One base64url key in 64 starts with "-", and parseArgs takes such a word for an option (it
// throws unless written --key=<key>): the word after --key is always the key.
const args = process.argv.slice(2);
const keyAt = args.indexOf("--key");
if (keyAt >= 0 && keyAt + 1 < args.length) args.splice(keyAt, 2, `--key=${args[keyAt + 1]}`);
function readArgs() {
  try {
    return parseArgs({ args, allowPositionals: true, options: { key: { type: "string" }, month: { type: "string" } } });
  } catch {
    console.error(USAGE);
    process.exit(2);
  }
}
const { values, positionals } = readArgs();
const source = positionals[0];
const key = values.key ?? process.env.HUB_PUBLIC_KEY;
if (!source || !key || !/^[A-Za-z0-9_-]{43}$/.test(key) || (values.month !== undefined && !MONTH.test(values.month))) {
  console.error(USAGE);
  process.exit(2);
}
const isUrl = /^https?:\/\//.test(source);
/**
 * The month asked for: --month, else the one a download URL names (…/reports/2026-11, a trailing
 * slash allowed) or a downloaded file's name (monthly-report-2026-11.signed.json, as the hub names
 * it). A file named otherwise needs --month: when the month came from the report itself, a genuine
 * October report renamed as November's verified as November's.
 */
const namedMonth = isUrl
  ? /\/reports\/(\d{4}-\d{2})\/?(?:[?#].*)?$/.exec(source)?.[1]
  : /(?:^|[\\/])monthly-report-(\d{4}-\d{2})[^\\/]*$/.exec(source)?.[1];
const askedMonth = values.month ?? namedMonth;
if (!isUrl && !(askedMonth && MONTH.test(askedMonth))) {
  console.error(`${USAGE}\n要核对哪个月的通报？请加 --month YYYY-MM（文件名不是 monthly-report-YYYY-MM… 时须指明）`);
  process.exit(2);
}

/**
 * The response body, read chunk by chunk and abandoned at MAX_BYTES: read whole first (text()), a
 * server sending without end was read until memory ran out before the size was ever checked.
 */
async function boundedBody(res: Response): Promise<string> {
  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > MAX_BYTES) throw new Error("文件过大");
  if (!res.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Leaving the loop (the throw) cancels the download: the rest is never read.
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_BYTES) throw new Error("文件过大");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function load(from: string): Promise<unknown> {
  if (/^https?:\/\//.test(from)) {
    const res = await fetch(from);
    if (!res.ok) throw new Error(`下载失败：HTTP ${res.status}`);
    return JSON.parse(await boundedBody(res));
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
if (askedMonth && r.month !== askedMonth) {
  console.log(`验证失败 [wrong_month]：签名有效，但这是 ${r.month} 的通报，不是所要核对的 ${askedMonth} 的通报`);
  process.exit(1);
}
console.log(`验证通过：全国中心 ${r.month} 月度通报（验证所用密钥的指纹 ${verdict.keyId}，时区 ${r.timeZone}）`);
for (const p of r.provinces)
  console.log(`  ${p.provinceName}  上报 ${p.published}  接收 ${p.accepted}  被拒 ${p.rejected}  评分 ${p.score ?? "无数据"}`);
