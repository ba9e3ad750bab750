/**
 * `npm run cert:verify -- <qr-text | file.pdf | image.png> [--trust-list F]… [--anchors F] [--status-list F] [--time-zone Z] [--json]`
 *
 * Verifies a certificate with nothing but trust files (works with the network down). Defaults to
 * the committed demo trust list and anchors. A PDF is read for the QR text roadcert embeds in its
 * metadata; failing that (a scanned PDF, an image) the page is rendered with pdftoppm and the code
 * read with zbarimg when those Debian tools are installed. Of several trust lists of one issuer only
 * the newest (generatedAt) counts, the others set aside with a word on stderr; of several status
 * lists of one province the newest counts, and one past its validUntil gives no status. Prints the verdict
 * and the decoded fields, times in `--time-zone` (default China Standard Time, as the certificates' dates are); exits 0 only for an authentic certificate a current status list says is valid; 1 when it is not
 * (forged, expired, revoked…), 3 when it is authentic but its status is unknown (no status list,
 * an expired one, one older than the certificate): such a card may have been revoked. 2: usage errors.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CERTIFICATE_STATUS_LABELS } from "../server/contracts/certificates.js";
import {
  DEMO_ANCHORS_FILE,
  DEMO_TRUST_LIST_FILE,
  extractQrFromPdf,
  loadStatusList,
  readAnchorsFile,
  readTrustLists,
  verifyQrText,
  type LoadedStatusList,
} from "../server/certificates/index.js";
import { DEFAULT_TIME_ZONE, formatShown } from "../server/lib/local-time.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    "trust-list": { type: "string", multiple: true },
    anchors: { type: "string", multiple: true },
    "status-list": { type: "string", multiple: true },
    now: { type: "string" },
    "time-zone": { type: "string", default: DEFAULT_TIME_ZONE },
    json: { type: "boolean", default: false },
  },
});
const input = positionals.join(" ").trim();
if (!input) {
  console.error(
    "usage: npm run cert:verify -- <qr-text | file.pdf | image.png> [--trust-list F] [--anchors F] [--status-list F] [--json]",
  );
  process.exit(2);
}

const timeZone = values["time-zone"];
try {
  new Intl.DateTimeFormat("en", { timeZone });
} catch {
  console.error(`unknown time zone: ${timeZone}`);
  process.exit(2);
}

const MAX_INPUT_BYTES = 20 * 1024 * 1024;

/** The QR text from the argument: literal text, a PDF's embedded payload, or a decoded image. */
function qrTextOf(arg: string): { text: string | null; source: string } {
  if (arg.length > 4096 || !existsSync(arg) || !statSync(arg).isFile()) return { text: arg, source: "text" };
  if (statSync(arg).size > MAX_INPUT_BYTES) return { text: null, source: "file too large" };
  const bytes = readFileSync(arg);
  if (bytes.subarray(0, 5).toString("latin1") === "%PDF-") {
    const embedded = extractQrFromPdf(bytes);
    if (embedded) return { text: embedded, source: "pdf metadata" };
    return { text: scanWithZbar(arg, true), source: "pdf page (pdftoppm + zbarimg)" };
  }
  return { text: scanWithZbar(arg, false), source: "image (zbarimg)" };
}

function scanWithZbar(path: string, isPdf: boolean): string | null {
  const dir = mkdtempSync(join(tmpdir(), "cert-verify-"));
  try {
    let image = path;
    if (isPdf) {
      execFileSync("pdftoppm", ["-r", "150", "-f", "1", "-l", "1", "-png", path, join(dir, "page")], {
        stdio: "ignore",
      });
      image = join(dir, "page-1.png");
      if (!existsSync(image)) image = join(dir, "page-01.png");
    }
    const out = execFileSync("zbarimg", ["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", image], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return out.split("\n").find((l) => l.startsWith("RC1:")) ?? out.trim() ?? null;
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const anchors = (values.anchors ?? [DEMO_ANCHORS_FILE]).flatMap((f) => readAnchorsFile(f));
const { lists, problems, setAside } = readTrustLists(values["trust-list"] ?? [DEMO_TRUST_LIST_FILE], anchors);
for (const p of problems) console.error(`信任列表问题: ${p}`);
// Of one issuer's lists only the newest counts (an older one may still hold open a key a later list
// ended): said, so an operator who passed an old file on purpose knows it was not used.
for (const s of setAside)
  console.error(
    `信任列表 ${s.path}（签发方 ${s.issuer}，生成于 ${formatShown(s.generatedAt, timeZone)}）不如同一签发方的 ${s.keptPath}（生成于 ${formatShown(s.keptGeneratedAt, timeZone)}）新，已弃用，不用于验证`,
  );
const statusLists = new Map<string, LoadedStatusList>();
for (const f of values["status-list"] ?? []) {
  const loaded = loadStatusList(
    JSON.parse(readFileSync(f, "utf8")),
    lists.flatMap((l) => l.body.keys),
  );
  if (!loaded) {
    console.error(`状态列表 ${f} 无法验证，已忽略`);
    continue;
  }
  // Of one province's lists the newest is its status; an older one (given in any order) may
  // predate a revocation. (An expired newest one gives no status at all: verifyQrText.)
  const province = loaded.body.provinceCode;
  const kept = statusLists.get(province);
  if (!kept || Date.parse(loaded.body.generatedAt) > Date.parse(kept.body.generatedAt))
    statusLists.set(province, loaded);
  else console.error(`状态列表 ${f} 不比同省份的另一份状态列表新，已忽略`);
}

const { text, source } = qrTextOf(input);
const now = values.now ? new Date(values.now) : new Date();
const verdict = text
  ? verifyQrText(text, { lists, statusLists, timeZone }, now)
  : {
      ok: false,
      authentic: false,
      code: "qr_not_found" as const,
      message: `未找到证书二维码（${source}）`,
      warnings: [],
      warningCodes: [],
      trust: null,
      claims: null,
      status: null,
    };

/**
 * The exit code: 0 only with a known valid status. verifyQrText answers ok with status unknown (a
 * verifier page shows that with its warning), but a script reading the exit code sees no warning,
 * and a revoked card with no status list at hand would pass it as valid.
 */
const STATUS_UNKNOWN_EXIT = 3;
const statusKnownValid = verdict.ok && verdict.status?.state === "valid";
const exitCode = statusKnownValid ? 0 : verdict.ok ? STATUS_UNKNOWN_EXIT : 1;
const unknownStatusMessage =
  "证书真实，但状态未知：没有可用的状态列表（未提供、已过期或早于本证书），无法确认证书未被注销或吊销，不能视为有效；请用 --status-list 提供发证省份的最新状态列表后重新核验";

// Times as the verify page prints them (年月日), so the CLI and the page read alike.
const at = (iso: string) => formatShown(iso, timeZone);
if (values.json) {
  console.log(JSON.stringify({ source, ...verdict }, null, 2));
  if (exitCode === STATUS_UNKNOWN_EXIT) console.error(unknownStatusMessage);
} else {
  const headline = statusKnownValid ? "✔ 有效" : verdict.ok ? "? 状态未知" : "✘ 无效";
  console.log(`${headline}  ${verdict.code}: ${verdict.message}`);
  if (exitCode === STATUS_UNKNOWN_EXIT) console.log(`  ✘ ${unknownStatusMessage}`);
  for (const w of verdict.warnings) console.log(`  ⚠ ${w}`);
  if (verdict.trust)
    console.log(
      `  信任列表: ${verdict.trust.issuer} 生成于 ${at(verdict.trust.generatedAt)}，有效至 ${at(verdict.trust.validUntil)}（${verdict.trust.state}）`,
    );
  const c = verdict.claims;
  if (c) {
    console.log(`  签发省份: ${c.provinceCode}    密钥: ${c.kid} (${c.suite})`);
    console.log(`  证号: ${c.certificateNo}    版本: ${c.version}    姓名: ${c.name}`);
    console.log(`  从业资格类别: ${c.categories.join(", ")}`);
    console.log(`  有效期: ${c.validFrom} 至 ${c.validTo}    签发时间: ${at(c.issuedAt)}`);
    console.log(`  考试记录哈希: ${c.chainHash}`);
  }
  if (verdict.status) {
    const label =
      verdict.status.state === "unknown" ? "未知" : CERTIFICATE_STATUS_LABELS[verdict.status.state];
    console.log(`  状态: ${label}${verdict.status.asOf ? `（状态截至 ${at(verdict.status.asOf)}）` : ""}`);
  }
}
process.exit(exitCode);
