import { expect } from "chai";
import { createAuditService } from "../../../server/audit/index.js";
import { openKeyStore } from "../../../server/certificates/index.js";
import { createKeyRotation } from "../../../server/certificates/key-rotation.js";
import { SYSTEM_ACTOR } from "../../../server/certificates/record.js";
import { anotherInstance, startCertNode, type TestNode } from "./support.js";

/**
 * A rotation renames the new key file into place, then registers the new key in the database. When
 * that registration fails (a database blip), the key is rotated all the same: the claim must stay so
 * that the next check finishes the rotation (registers the key and writes its audit entry once), and
 * the node's own lists must not refuse to build meanwhile for want of the key in the registry.
 */
describe("a key rotation whose registration of the new key fails", function () {
  this.timeout(60_000);
  let node: TestNode;
  before(async () => {
    node = await startCertNode({ CERT_KEY_ROTATION_LEAD_HOURS: "48" });
  });
  after(async () => {
    await node.stop();
  });

  const db = () => node.ctx.conn;
  const rotatedEntries = (kid: string) =>
    db().collection("audit_log").countDocuments({ action: "certificate.key_rotated", "target.id": kid });

  /**
   * Rotates `purpose` through key-rotation.ts with a signing service whose `rotate` changes the key
   * file and then fails as its registration would, on a clock 11 minutes back (so the claim it
   * leaves is stale for the instances checking now). Resolves the error and the key the file made.
   */
  async function aRotationFailingAtRegistration(purpose: "certificate" | "trust-list") {
    const signing = anotherInstance(node).facade.signing;
    const { keysDir, suite } = node.ctx.config.certificates;
    let made: string | null = null;
    const rotation = createKeyRotation(db(), {
      provinceCode: node.ctx.config.provinceCode ?? "",
      audit: createAuditService(db()),
      signing: {
        openKey: (p) => signing.openKey(p),
        validFromOf: (kid) => signing.validFromOf(kid),
        successorOf: (kid) => signing.successorOf(kid),
        start: () => signing.start(),
        async rotate(p, options) {
          made = (await openKeyStore(keysDir, suite).rotate(p ?? "certificate", options)).kid;
          throw new Error("connection reset while registering the new key");
        },
      },
      lifetimeMs: 0,
      leadMs: 48 * 3_600_000,
      clock: () => new Date(Date.now() - 11 * 60_000),
      logger: { info: () => undefined, warn: () => undefined },
    });
    const error = await rotation.rotate(SYSTEM_ACTOR, purpose).catch((e: unknown) => e);
    if (!made) throw new Error("the key file was not rotated");
    return { error, kid: made as string };
  }

  it("when registering a rotated certificate key fails, then the claim is kept and the next check registers the key and writes its audit entry once", async () => {
    const { error, kid } = await aRotationFailingAtRegistration("certificate");
    expect(error).to.be.instanceOf(Error);
    const claim = await db().collection("certificate_key_rotations").findOne({ purpose: "certificate" });
    expect(claim).to.include({ status: "rotating" });
    const [a, b] = [anotherInstance(node), anotherInstance(node)];
    await Promise.all([a.facade.keyRotation.rotateIfDue(), b.facade.keyRotation.rotateIfDue()]);
    expect(await rotatedEntries(kid)).to.equal(1);
    expect(await db().collection("certificate_keys").countDocuments({ kid })).to.equal(1);
  });

  it("when registering a rotated trust-list key fails, then the node's trust and status lists still build, signed by the new key, before any check finishes the rotation", async () => {
    const { kid } = await aRotationFailingAtRegistration("trust-list");
    const inst = anotherInstance(node);
    const trust = await inst.facade.signing.trustListDocument();
    expect(JSON.stringify(trust)).to.include(kid);
    await inst.facade.signing.statusListDocument({ fresh: true });
    expect(await db().collection("certificate_keys").countDocuments({ kid })).to.equal(1);
  });
});
