import { expect } from "chai";
import type { SignatureSuite } from "../../../server/contracts/certificates.js";
import { openKeyStore } from "../../../server/certificates/index.js";
import { createSigningService } from "../../../server/certificates/signing.service.js";
import { useTestDatabase } from "../../helpers/database.js";
import { recordingLogger } from "../../helpers/recording-logger.js";
import { signingKeysDir } from "../../helpers/signing-keys.js";
import { NODE_TIME_ZONE } from "../../helpers/time-zone.js";

/**
 * A suite change (ed25519 → SM2) is made by setting CERT_SUITE and rotating the key: the new key is
 * of the configured suite, not of the key it replaces, and a node whose open key is of another
 * suite than its configuration says so when it starts.
 */
describe("changing the signature suite by rotating the key", function () {
  this.timeout(60_000);
  const db = useTestDatabase("rotation_suite");

  /** A node's signing service configured for `suite` over keys made in ed25519. */
  function signingOverEd25519Keys(suite: SignatureSuite) {
    const keysDir = signingKeysDir({ madeAt: new Date(Date.now() - 60_000), suite: "ed25519" });
    const recording = recordingLogger();
    const signing = createSigningService(db.conn, {
      provinceCode: "320000",
      suite,
      keysDir,
      trustDemo: false,
      peers: [],
      rotationLeadMs: 0,
      logger: recording.logger,
      timeZone: NODE_TIME_ZONE,
    });
    return { signing, keysDir, recording };
  }

  it("when CERT_SUITE is sm2-sm3 and the open key is ed25519, then a rotation makes an sm2-sm3 key", async () => {
    const { signing, keysDir } = signingOverEd25519Keys("sm2-sm3");
    await signing.start();
    const kid = await signing.rotate("certificate");
    const made = openKeyStore(keysDir, "sm2-sm3")
      .all()
      .find((k) => k.kid === kid);
    expect(made?.suite).to.equal("sm2-sm3");
    // The registry (the trust list's source) carries it with its suite.
    const registered = await db.conn.collection("certificate_keys").findOne({ kid });
    expect(registered?.suite).to.equal("sm2-sm3");
  });

  it("when the open certificate key's suite is not CERT_SUITE, then starting warns and names both suites", async () => {
    const { signing, recording } = signingOverEd25519Keys("sm2-sm3");
    await signing.start();
    const warning = recording.warnings().find((w) => w.msg.includes("CERT_SUITE"));
    expect(warning, JSON.stringify(recording.lines)).to.not.equal(undefined);
    expect(warning?.detail).to.deep.include({
      purpose: "certificate",
      keySuite: "ed25519",
      configuredSuite: "sm2-sm3",
    });
  });

  it("when the open keys are of CERT_SUITE, then starting does not warn about the suite", async () => {
    const { signing, recording } = signingOverEd25519Keys("ed25519");
    await signing.start();
    expect(recording.warnings().filter((w) => w.msg.includes("CERT_SUITE"))).to.deep.equal([]);
  });
});
