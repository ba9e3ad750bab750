/**
 * `npm run cert:rotate-key -- [--purpose=certificate|trust-list] [--immediate] [--uri=mongodb://…] [--db=name]`:
 * the operator's rotation of a province node's signing key (a leaked key, a suite change), run on
 * a machine of the node with the node's own configuration (its environment: PROVINCE_CODE,
 * CERT_KEYS_DIR or DATA_DIR/NODE_NAME, CERT_SUITE, CERT_KEY_ROTATION_LEAD_HOURS, HUB_URL…), against
 * its database (`--uri`, else MONGODB_URI) and its shared keys directory.
 *
 * It rotates through the node's own key rotation (server/certificates/key-rotation.ts): claimed in
 * the database so no instance rotates the same key at the same time, refused
 * `key_rotation_in_progress` while one does, and audited (`certificate.key_rotated`, actor
 * `cli:cert:rotate-key…`) in the transaction that completes the claim. A certificate key signs from
 * CERT_KEY_ROTATION_LEAD_HOURS on; meanwhile the running node's next status-list push (within 5
 * minutes) announces it to the hub. `--immediate` (a leaked key): the new certificate key signs at
 * once and the old one ends now (audited `immediate`); issuing waits until the hub lists the new
 * key, rather than go on signing with a key a thief holds. A trust-list key switches at once. The new key is of the suite
 * CERT_SUITE names, whatever the ended key's (a suite change: set CERT_SUITE first).
 * Prints the new key and its switch; exit 0 when rotated, 1 when refused, 2 when it cannot run.
 */
import { hostname, userInfo } from "node:os";
import { parseArgs } from "node:util";
import { readCommandLineOrExit } from "./command-line.js";
import { createAuditService } from "../server/audit/index.js";
import { createNodeSigning } from "../server/certificates/index.js";
import { loadConfig } from "../server/config.js";
import { AppError } from "../server/lib/errors.js";
import { createLogger } from "../server/lib/logger.js";
import { connectMongo, redactUri } from "../server/lib/mongo.js";
import { divisionName } from "../server/organisation/index.js";

const USAGE =
  "用法：npm run cert:rotate-key -- [--purpose=certificate|trust-list] [--immediate] [--uri=mongodb://…] [--db=名称]（以节点自身的环境变量运行；--immediate：密钥泄露时立即停用旧密钥）";

const PURPOSES = ["certificate", "trust-list"] as const;
type Purpose = (typeof PURPOSES)[number];

/** The command line, checked before anything is opened: a misspelt option is refused, not ignored. */
function readCommandLine(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      purpose: { type: "string", default: "certificate" },
      immediate: { type: "boolean", default: false },
      uri: { type: "string" },
      db: { type: "string" },
    },
  });
  if (positionals.length) throw new Error(`多余的参数：${positionals.join(" ")}`);
  const purpose = values.purpose;
  if (!PURPOSES.includes(purpose as Purpose)) throw new Error(`--purpose 须为 ${PURPOSES.join(" 或 ")}`);
  return { purpose: purpose as Purpose, immediate: values.immediate, uri: values.uri, db: values.db };
}

/** Who rotated, as the audit log records it: this command, and the account that ran it where. */
function commandActor() {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    // A container user without a passwd entry: the host still says where it ran.
  }
  const where = `${user}@${hostname()}`;
  return { id: `cli:cert:rotate-key:${where}`, kind: "system" as const, name: `命令行更换密钥（${where}）` };
}

async function main(): Promise<number> {
  const cli = readCommandLineOrExit(USAGE, () => readCommandLine(process.argv.slice(2)));
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(`节点配置无效：${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  if (config.role !== "province" || !config.provinceCode) {
    console.error("只有省级节点（ROLE=province，设置 PROVINCE_CODE）有证照签名密钥");
    return 2;
  }
  const uri = cli.uri ?? config.mongo.uri;
  if (!uri) {
    console.error("请用 --uri=mongodb://… 指定节点数据库（或设置 MONGODB_URI）");
    return 2;
  }
  const logger = createLogger({
    level: config.log.level === "info" ? "warn" : config.log.level,
    name: "cert-rotate-key",
  });
  const conn = await connectMongo(uri, { dbName: cli.db });
  try {
    const { signing, keyRotation } = createNodeSigning(conn, config, {
      audit: createAuditService(conn, { divisionName }),
      logger,
    });
    // Registers the key file's public parts as the node does at start (nothing new when it runs).
    await signing.start();
    const previous = signing.openKey(cli.purpose)?.kid ?? "—";
    try {
      const kid = await keyRotation.rotate(commandActor(), cli.purpose, undefined, {
        immediate: cli.immediate,
      });
      console.log(`数据库：${redactUri(uri)}${cli.db ? ` / ${cli.db}` : ""}`);
      console.log(
        `已更换${cli.purpose === "certificate" ? "证照签名" : "信任列表签名"}密钥：${previous} → ${kid}`,
      );
      console.log(`新密钥启用时间：${signing.validFromOf(kid) ?? "立即"}（已记入审计日志）`);
      if (cli.immediate && cli.purpose === "certificate")
        console.log(
          "已立即停用旧密钥：此后不再用其签发；全国中心列入新密钥前，签发将等待（signing_key_not_at_hub）",
        );
      return 0;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      console.error(`未更换密钥（${err.code}）：${err.message}`);
      return 1;
    }
  } finally {
    await conn.close();
  }
}

process.exitCode = await main().catch((err: unknown) => {
  // Database unreachable, keys directory unreadable…: one line for the operator, not a stack trace.
  console.error(`更换密钥未能运行：${err instanceof Error ? err.message : String(err)}`);
  return 2;
});
