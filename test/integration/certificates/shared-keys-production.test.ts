import { expect } from "chai";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { keyRegistryModel } from "../../../server/certificates/certificate.model.js";
import { createSigningService } from "../../../server/certificates/signing.service.js";
import { useTestDatabase } from "../../helpers/database.js";
import { recordingLogger } from "../../helpers/recording-logger.js";

/**
 * Every instance of a province signs with the one key set it shares (CERT_KEYS_DIR on a shared
 * volume). An instance started on an empty folder of its own made a second set, added it to the
 * province's key registry, and signed certificates with keys no verifier had been told of.
 */
describe("certificate keys of a production node with an empty key folder", function () {
  this.timeout(60_000);
  const db = useTestDatabase("shared_keys");

  const emptyDir = () => mkdtempSync(path.join(tmpdir(), "roadcert-cert-keys-"));
  const signingOn = (keysDir: string, requireSharedKeys: boolean, provinceCode = "320000") =>
    createSigningService(db.conn, {
      provinceCode,
      suite: "ed25519",
      keysDir,
      trustDemo: false,
      peers: [],
      logger: recordingLogger().logger,
      timeZone: "Asia/Shanghai",
      requireSharedKeys,
    });

  it("when the province's registry already holds keys, then start refuses naming CERT_KEYS_DIR and makes no key", async () => {
    await signingOn(emptyDir(), true, "320000").start();
    const before = await keyRegistryModel(db.conn).countDocuments({ provinceCode: "320000" });
    const second = emptyDir();
    const refused = await signingOn(second, true, "320000")
      .start()
      .then(
        () => null,
        (err: unknown) => err as Error,
      );
    expect(refused, "start should refuse").to.be.instanceOf(Error);
    expect(refused?.message).to.include("CERT_KEYS_DIR").and.to.include("mount");
    expect(readdirSync(second)).to.deep.equal([]);
    expect(await keyRegistryModel(db.conn).countDocuments({ provinceCode: "320000" })).to.equal(before);
  });

  it("when the instance mounts the folder that holds the registered keys, then it starts", async () => {
    const shared = emptyDir();
    await signingOn(shared, true, "110000").start();
    await signingOn(shared, true, "110000").start();
    expect(await keyRegistryModel(db.conn).countDocuments({ provinceCode: "110000" })).to.equal(2);
  });

  it("when the province has no registered keys yet (its first start), then the keys are made", async () => {
    const dir = emptyDir();
    await signingOn(dir, true, "440000").start();
    expect(readdirSync(dir)).to.include("signing-keys.json");
  });

  it("when shared keys are not required (development, tests), then a second folder still makes its own keys", async () => {
    await signingOn(emptyDir(), false, "510000").start();
    await signingOn(emptyDir(), false, "510000").start();
    expect(await keyRegistryModel(db.conn).countDocuments({ provinceCode: "510000" })).to.equal(4);
  });
});
