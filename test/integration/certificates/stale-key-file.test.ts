import { expect } from "chai";
import { copyFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { openKeyStore } from "../../../server/certificates/index.js";
import { createSigningService } from "../../../server/certificates/signing.service.js";
import { useTestDatabase } from "../../helpers/database.js";
import { recordingLogger } from "../../helpers/recording-logger.js";
import { signingKeysDir } from "../../helpers/signing-keys.js";
import { testDataDir } from "../../helpers/test-config.js";
import { NODE_TIME_ZONE } from "../../helpers/time-zone.js";

/**
 * The key registry is what every verifier trusts (the node's trust list). A key's end there is
 * final: an instance starting with a stale copy of the key file (a volume restored from a backup,
 * a folder not shared) must not reopen a rotated-out key, a leaked one perhaps, nor move its end later.
 */
describe("registering keys from a stale key file", function () {
  this.timeout(60_000);
  const db = useTestDatabase("stale_keys");

  const signingOn = (keysDir: string) =>
    createSigningService(db.conn, {
      provinceCode: "320000",
      suite: "ed25519",
      keysDir,
      trustDemo: false,
      peers: [],
      rotationLeadMs: 0,
      logger: recordingLogger().logger,
      timeZone: NODE_TIME_ZONE,
    });
  const copyOf = (keysDir: string): string => {
    const copy = mkdtempSync(join(testDataDir(), "cert-keys-copy-"));
    copyFileSync(join(keysDir, "signing-keys.json"), join(copy, "signing-keys.json"));
    return copy;
  };
  const registeredEnd = async (kid: string) =>
    (await db.conn.collection("certificate_keys").findOne({ kid }))?.validTo as string | null | undefined;

  it("when an instance starts with a key file from before a rotation, then the rotated-out key's end stays in the registry, neither reopened nor moved later", async () => {
    const keysDir = signingKeysDir({ madeAt: new Date(Date.now() - 60_000) });
    const shared = signingOn(keysDir);
    await shared.start();
    const oldKid = shared.openKey("certificate")!.kid;
    const beforeRotation = copyOf(keysDir);
    // The same old file, rotated on its own with a day's lead: it ends the old key a day later.
    const later = copyOf(keysDir);
    await openKeyStore(later, "ed25519").rotate("certificate", { leadMs: 86_400_000 });

    await shared.rotate("certificate");
    const ended = await registeredEnd(oldKid);
    expect(ended).to.be.a("string");

    await signingOn(beforeRotation).start();
    expect(await registeredEnd(oldKid), "reopened by a file that shows it open").to.equal(ended);
    await signingOn(later).start();
    expect(await registeredEnd(oldKid), "moved later by a file that ends it later").to.equal(ended);
  });

  it("when a key file ends a key earlier than the registry has it, then the earlier end is taken", async () => {
    const keysDir = signingKeysDir({ madeAt: new Date(Date.now() - 60_000) });
    const first = signingOn(keysDir);
    await first.start();
    const kid = first.openKey("certificate")!.kid;
    const sooner = copyOf(keysDir);
    await openKeyStore(keysDir, "ed25519").rotate("certificate", { leadMs: 86_400_000 });
    await first.start();
    const dayOn = await registeredEnd(kid);
    await openKeyStore(sooner, "ed25519").rotate("certificate", { leadMs: 0 });
    await signingOn(sooner).start();
    const now = await registeredEnd(kid);
    expect(Date.parse(now ?? "")).to.be.below(Date.parse(dayOn ?? ""));
  });
});
