import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect } from "chai";
import { createAuditService } from "../../../server/audit/index.js";
import { createNodeSigning } from "../../../server/certificates/index.js";
import { testDatabase } from "../../helpers/database.js";
import { startCertNode, type TestNode } from "./support.js";

const run = promisify(execFile);

/**
 * `npm run cert:rotate-key`: the operator's rotation (a leaked key, a suite change) without a
 * page, run with the node's own configuration against its database and keys directory. It rotates
 * through the node's key rotation, so it is claimed once across instances and audited in the same
 * transaction as the claim's completion.
 */
describe("cert:rotate-key, the operator's key rotation command", function () {
  this.timeout(60_000);
  let node: TestNode;
  before(async () => {
    node = await startCertNode({ CERT_KEY_ROTATION_LEAD_HOURS: "48" });
  });
  after(async () => node.stop());

  /** The node's signing service, reading the key file as it is now. */
  const nodeSigning = () =>
    createNodeSigning(node.ctx.conn, node.ctx.config, {
      audit: createAuditService(node.ctx.conn),
      logger: node.ctx.logger,
    }).signing;

  async function rotateKey(...args: string[]) {
    const { uri } = await testDatabase();
    return run(
      "node_modules/.bin/tsx",
      ["scripts/cert-rotate-key.ts", `--uri=${uri}`, `--db=${node.dbName}`, ...args],
      {
        env: {
          ...process.env,
          NODE_ENV: "test",
          PROVINCE_CODE: node.ctx.config.provinceCode ?? "",
          CERT_KEYS_DIR: node.ctx.config.certificates.keysDir,
          CERT_KEY_ROTATION_LEAD_HOURS: "48",
          LOG_LEVEL: "silent",
        },
      },
    ).catch((err: { code: number; stdout: string; stderr: string }) => err);
  }

  it("when the operator rotates with --immediate (a leaked key), then the new key signs from now on, the old one is ended now, and the audit entry says immediate", async () => {
    const signing = nodeSigning();
    const before = signing.openKey("certificate");
    const result = await rotateKey("--purpose=certificate", "--immediate");
    expect("code" in result ? result.code : 0, result.stderr).to.equal(0);
    const open = signing.openKey("certificate");
    expect(open?.kid).to.not.equal(before?.kid);
    expect(Date.parse(open?.validFrom ?? "")).to.be.at.most(Date.now());
    expect(result.stdout).to.contain("立即");
    const issuedAt = new Date().toISOString();
    expect((await nodeSigning().sealingKey(issuedAt)).kid).to.equal(open?.kid);
    const entry = await node.ctx.conn
      .collection<{ details: Record<string, unknown> }>("audit_log")
      .findOne({ action: "certificate.key_rotated", "details.kid": open?.kid });
    expect(entry?.details).to.include({ immediate: true, previousKid: before?.kid });
  });

  it("when the operator rotates the certificate key from the command line, then the node's open key is the new one, switching after the lead, and one audited entry names the command as the actor", async () => {
    const signing = nodeSigning();
    const before = signing.openKey("certificate");
    const startedAt = Date.now();
    const result = await rotateKey("--purpose=certificate");
    expect("code" in result ? result.code : 0, result.stderr).to.equal(0);

    const open = signing.openKey("certificate");
    expect(open?.kid).to.not.equal(before?.kid);
    expect(result.stdout).to.contain(open?.kid);
    expect(Date.parse(open?.validFrom ?? "")).to.be.at.least(startedAt + 48 * 3_600_000);
    const entries = await node.ctx.conn
      .collection<{ actor: { id: string; kind: string }; details: Record<string, unknown> }>("audit_log")
      .find({ action: "certificate.key_rotated", "details.previousKid": before?.kid })
      .toArray();
    expect(entries).to.have.length(1);
    expect(entries[0]?.actor.kind).to.equal("system");
    expect(entries[0]?.actor.id).to.match(/^cli:cert:rotate-key/);
    expect(entries[0]?.details).to.include({ kid: open?.kid, previousKid: before?.kid, scheduled: false });
    expect((await createAuditService(node.ctx.conn).verify()).ok).to.equal(true);
  });

  it("when the command line is wrong (an unknown purpose, an unknown option), then it is refused with exit 2 and nothing is rotated", async () => {
    const signing = nodeSigning();
    const before = signing.openKey("certificate")?.kid;
    for (const args of [["--purpose=everything"], ["--purpse=certificate"]]) {
      const result = await rotateKey(...args);
      expect("code" in result ? result.code : 0, result.stdout).to.equal(2);
      expect(result.stderr).to.contain("参数有误");
    }
    expect(signing.openKey("certificate")?.kid).to.equal(before);
  });
});
