import { expect } from "chai";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createAuditService } from "../../../server/audit/index.js";
import type { FeatureContext } from "../../../server/feature.js";
import type { Logger } from "../../../server/lib/logger.js";
import {
  createNodeKeyPinFeature,
  generateNodeKey,
  loadOrCreateNodeKey,
  pinNodeKey,
} from "../../../server/sharing/node-key.js";
import type { NodeKey } from "../../../server/sharing/signed-message.js";
import { useTestDatabase } from "../../helpers/database.js";
import { recordingLogger } from "../../helpers/recording-logger.js";
import { singleInstanceHubConfig } from "../../helpers/test-config.js";

interface AuditRow {
  action: string;
  actor: { id: string; kind: string };
  target: { type: string; id: string } | null;
  details: Record<string, unknown>;
}

/**
 * After the hub's registry replaced a node's key on purpose (a compromise), the node must take the
 * new key without a hand-made edit of its database: NODE_KEY_REPIN names the new key's id, and
 * only a start loading exactly that key replaces the recorded one.
 */
describe("the node key recorded in the node's database: a deliberate replacement (NODE_KEY_REPIN)", function () {
  this.timeout(60_000);
  const db = useTestDatabase("node_key_repin");
  const emptyDir = () => mkdtempSync(path.join(tmpdir(), "roadcert-node-key-"));
  /** A folder holding `key`, as an operator puts the new key in place. */
  const dirHolding = (key: NodeKey) => {
    const dir = emptyDir();
    writeFileSync(
      path.join(dir, "node-ed25519.pem"),
      key.privateKey.export({ format: "pem", type: "pkcs8" }),
    );
    return dir;
  };
  const recordedKeyId = async () =>
    (await db.conn.collection<{ _id: string; keyId: string }>("node_identity").findOne({ _id: "node-key" }))
      ?.keyId;
  const repinEntries = () =>
    db.conn
      .collection<AuditRow>("audit_log")
      .find({ action: "node.key_repinned" })
      .sort({ seq: 1 })
      .toArray();
  const productionConfig = (dir: string, repin?: string) =>
    singleInstanceHubConfig(dir, repin ? { NODE_KEY_REPIN: repin } : {});
  const featureOn = (dir: string, key: NodeKey, logger: Logger, repin?: string) =>
    createNodeKeyPinFeature(
      { config: productionConfig(dir, repin), logger, conn: db.conn } as unknown as FeatureContext,
      {
        key,
        audit: createAuditService(db.conn),
      },
    );
  const refusalOf = (p: Promise<void> | undefined) =>
    (p ?? Promise.resolve()).then(
      () => null,
      (err: unknown) => err as Error,
    );

  it("when NODE_KEY_REPIN names the key a production node loads, then the node records it in place of the old key, audited and logged", async () => {
    const { logger, lines } = recordingLogger();
    await db.conn.dropDatabase();
    const old = generateNodeKey();
    await featureOn(dirHolding(old), old, logger).start?.();
    const fresh = generateNodeKey();
    await featureOn(dirHolding(fresh), fresh, logger, fresh.keyId).start?.();
    expect(await recordedKeyId()).to.equal(fresh.keyId);
    const rows = await repinEntries();
    expect(rows).to.have.length(1);
    expect(rows[0]!.actor.kind).to.equal("system");
    expect(rows[0]!.target).to.deep.equal({ type: "node_key", id: fresh.keyId });
    expect(rows[0]!.details).to.deep.include({ nodeKeyId: fresh.keyId, nodeKeyIdBefore: old.keyId });
    const said = lines.map((l) => l.msg).join("\n");
    expect(said).to.include("NODE_KEY_REPIN").and.to.include(fresh.keyId).and.to.include(old.keyId);
  });

  it("when NODE_KEY_REPIN stays set after the replacement, then later starts go on without a second entry", async () => {
    const { logger } = recordingLogger();
    await db.conn.dropDatabase();
    const old = generateNodeKey();
    await featureOn(dirHolding(old), old, logger).start?.();
    const fresh = generateNodeKey();
    const dir = dirHolding(fresh);
    await featureOn(dir, fresh, logger, fresh.keyId).start?.();
    await featureOn(dir, fresh, logger, fresh.keyId).start?.();
    expect(await recordedKeyId()).to.equal(fresh.keyId);
    expect(await repinEntries()).to.have.length(1);
  });

  it("when NODE_KEY_REPIN names another key than the one the node loads, then the start is refused naming both and the record stays", async () => {
    const { logger } = recordingLogger();
    await db.conn.dropDatabase();
    const old = generateNodeKey();
    await featureOn(dirHolding(old), old, logger).start?.();
    const meant = generateNodeKey();
    const stray = generateNodeKey();
    const refused = await refusalOf(featureOn(dirHolding(stray), stray, logger, meant.keyId).start?.());
    expect(refused?.message)
      .to.include("NODE_KEY_REPIN")
      .and.to.include(meant.keyId)
      .and.to.include(stray.keyId);
    expect(await recordedKeyId()).to.equal(old.keyId);
    expect(await repinEntries()).to.have.length(0);
  });

  it("when NODE_KEY_REPIN names a key but the key folder is empty, then the start is refused and the key it made is removed", async () => {
    const { logger } = recordingLogger();
    await db.conn.dropDatabase();
    const meant = generateNodeKey();
    const dir = emptyDir();
    const refused = await refusalOf(
      pinNodeKey(db.conn, loadOrCreateNodeKey(dir), { dir, production: true, logger, repin: meant.keyId }),
    );
    expect(refused?.message).to.include("NODE_KEY_REPIN").and.to.include(meant.keyId);
    expect(existsSync(path.join(dir, "node-ed25519.pem"))).to.equal(false);
  });

  it("when NODE_KEY_REPIN is not a key id, then the configuration is refused naming it", () => {
    expect(() => productionConfig(emptyDir(), "not-a-key-id")).to.throw(/NODE_KEY_REPIN/);
  });

  it("when the node-key feature is given the node's key, then it records that key and reads no key folder", async () => {
    const { logger } = recordingLogger();
    await db.conn.dropDatabase();
    const loaded = generateNodeKey();
    const dir = emptyDir();
    await featureOn(dir, loaded, logger).start?.();
    expect(await recordedKeyId()).to.equal(loaded.keyId);
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it("when the key is recorded, then mongoose prints no deprecation warning for the `new` option", async () => {
    const { logger } = recordingLogger();
    await db.conn.dropDatabase();
    const warnings: string[] = [];
    const listen = (w: Error) => warnings.push(w.message);
    process.on("warning", listen);
    try {
      const dir = emptyDir();
      await pinNodeKey(db.conn, loadOrCreateNodeKey(dir), { dir, production: true, logger });
      // process warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", listen);
    }
    expect(warnings.filter((m) => m.includes("`new` option"))).to.deep.equal([]);
  });
});
