import { expect } from "chai";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FeatureContext } from "../../../server/feature.js";
import {
  createNodeKeyPinFeature,
  generateNodeKey,
  loadOrCreateNodeKey,
  pinNodeKey,
} from "../../../server/sharing/node-key.js";
import { useTestDatabase } from "../../helpers/database.js";
import { recordingLogger } from "../../helpers/recording-logger.js";
import { singleInstanceHubConfig } from "../../helpers/test-config.js";

/**
 * A node is one identity, its node key, which the hub registered and the provinces pinned. Two
 * instances on separate key volumes made two keys, one of which nobody knew: its signed requests
 * were refused and its answers failed the provinces' pin, with no word at boot.
 */
describe("the node key recorded in the node's database", function () {
  this.timeout(60_000);
  const db = useTestDatabase("node_key_pin");
  const emptyDir = () => mkdtempSync(path.join(tmpdir(), "roadcert-node-key-"));

  it("when a production node starts on a key folder other than the recorded key's, then it refuses naming NODE_KEY_DIR and removes the key it just made", async () => {
    const { logger } = recordingLogger();
    await db.conn.dropDatabase();
    const firstDir = emptyDir();
    const first = loadOrCreateNodeKey(firstDir);
    await pinNodeKey(db.conn, first, { dir: firstDir, production: true, logger });
    const second = emptyDir();
    const refused = await pinNodeKey(db.conn, loadOrCreateNodeKey(second), {
      dir: second,
      production: true,
      logger,
    }).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(refused?.message).to.include("NODE_KEY_DIR").and.to.include(first.keyId).and.to.include("mount");
    // The folder is as it was: a retry on the right volume does not find a stray key.
    expect(existsSync(path.join(second, "node-ed25519.pem"))).to.equal(false);
  });

  it("when the node starts again on the recorded key, then it starts", async () => {
    const { logger } = recordingLogger();
    const dir = emptyDir();
    await db.conn.dropDatabase();
    await pinNodeKey(db.conn, loadOrCreateNodeKey(dir), { dir, production: true, logger });
    await pinNodeKey(db.conn, loadOrCreateNodeKey(dir), { dir, production: true, logger });
    expect(existsSync(path.join(dir, "node-ed25519.pem"))).to.equal(true);
  });

  it("when a key that existed before differs from the recorded one, then production refuses and leaves the operator's file alone", async () => {
    const { logger } = recordingLogger();
    await db.conn.dropDatabase();
    const firstDir = emptyDir();
    await pinNodeKey(db.conn, loadOrCreateNodeKey(firstDir), { dir: firstDir, production: true, logger });
    // A key file already there, as a later boot finds it: not one this start made.
    const dir = emptyDir();
    const other = generateNodeKey();
    writeFileSync(
      path.join(dir, "node-ed25519.pem"),
      other.privateKey.export({ format: "pem", type: "pkcs8" }),
    );
    const refused = await pinNodeKey(db.conn, loadOrCreateNodeKey(dir), {
      dir,
      production: true,
      logger,
    }).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(refused?.message).to.include("NODE_KEY_DIR").and.to.include(other.keyId);
    // How to run it on purpose instead: its public key for the hub's registry, and the setting.
    expect(refused?.message).to.include(other.publicKeyX).and.to.include("NODE_KEY_REPIN");
    expect(existsSync(path.join(dir, "node-ed25519.pem"))).to.equal(true);
  });

  it("when outside production the key differs, then the node starts with a warning naming NODE_KEY_DIR", async () => {
    const { logger, warnings } = recordingLogger();
    await db.conn.dropDatabase();
    for (const dir of [emptyDir(), emptyDir()])
      await pinNodeKey(db.conn, loadOrCreateNodeKey(dir), { dir, production: false, logger });
    expect(
      warnings()
        .map((w) => w.msg)
        .join("\n"),
    ).to.include("NODE_KEY_DIR");
  });

  it("when the node-key feature of a production node starts on a second key folder, then the start fails naming NODE_KEY_DIR", async () => {
    const { logger } = recordingLogger();
    await db.conn.dropDatabase();
    const featureOn = (dir: string) => {
      const config = singleInstanceHubConfig(dir);
      return createNodeKeyPinFeature({ config, logger, conn: db.conn } as unknown as FeatureContext, {
        key: loadOrCreateNodeKey(dir),
      });
    };
    await featureOn(emptyDir()).start?.();
    const refused = await featureOn(emptyDir())
      .start?.()
      .then(
        () => null,
        (err: unknown) => err as Error,
      );
    expect(refused?.message).to.include("NODE_KEY_DIR");
  });
});
