import { expect } from "chai";
import type { DomainEvents } from "../../../server/contracts/domain-events.js";
import { outboxModel } from "../../../server/lib/outbox.js";
import { canonicalJson, createVerifier, openEnvelope } from "../../../server/certificates/index.js";
import { anIssuedCertificate, trustListKeys, useCertNode } from "./fixtures-nodes.js";
import { anotherInstance } from "./support.js";

const HOUR_MS = 3_600_000;

/**
 * A certificate's QR seal and its record signature are one signing act: the key is picked once, for
 * the certificate's issue time, and both are made with it. Picked twice, a certificate issued as the
 * key switched named one key in its QR and was signed by another in its record.
 */
describe("a certificate issued at a key switch is sealed and signed with one key", function () {
  this.timeout(60_000);
  const cert = useCertNode({ CERT_KEY_ROTATION_LEAD_HOURS: "1" });

  it("when the clock passes the switch between sealing the QR and signing the record, then both name and use the key that covered the issue time", async () => {
    const { node } = cert;
    const rotatedTo = await anotherInstance(node).facade.signing.rotate();
    const keys = await trustListKeys(anotherInstance(node));
    const next = keys.find((k) => k.kid === rotatedTo);
    if (!next) throw new Error("the rotated key is not on the node's trust list");
    const switchAt = Date.parse(next.validFrom);
    expect(switchAt).to.be.greaterThan(Date.now() + HOUR_MS / 2);

    // The clock reads a second before the switch until the QR's key has been picked, and a second
    // after it from then on: the switch instant falls inside the one issuance.
    let sealed = false;
    const clock = (): Date => {
      if (new Error().stack?.includes("sealingKey")) {
        sealed = true;
        return new Date(switchAt - 1_000);
      }
      return new Date(sealed ? switchAt + 1_000 : switchAt - 1_000);
    };
    const { pass } = await anIssuedCertificate(node, anotherInstance(node, clock));
    expect(sealed, "the clock never saw the QR's key being picked").to.equal(true);

    const issued = await outboxModel(node.ctx.conn)
      .findOne({ name: "certificate.issued", key: new RegExp(pass.idNumber) })
      .lean();
    const { record, signature } = issued?.payload as DomainEvents["certificate.issued"];
    const opened = openEnvelope(signature.qr);
    if (!opened.ok) throw new Error(`the QR does not open: ${opened.message}`);
    const previous = keys.find(
      (k) => k.kid !== rotatedTo && k.validTo !== null && Date.parse(k.validTo) === switchAt,
    );
    if (!previous) throw new Error("the key the rotation ended is not on the node's trust list");
    expect(opened.claims.kid).to.equal(previous.kid);
    expect(signature.kid).to.equal(previous.kid);
    const verifier = createVerifier(previous.suite, previous.publicKey);
    expect(
      verifier.verify(Buffer.from(canonicalJson(record), "utf8"), Buffer.from(signature.value, "base64url")),
    ).to.equal(true);
  });
});
