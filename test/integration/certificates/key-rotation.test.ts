import { expect } from "chai";
import { anIssuedCertificate, trustListKeys, useCertNode } from "./fixtures-nodes.js";
import { anotherInstance } from "./support.js";

/**
 * Several app instances of one node share its database and its keys directory; each test here
 * runs them as feature instances on one node (as separate processes would be).
 */
describe("certificate key rotation across the instances of one node", function () {
  this.timeout(60_000);
  // Switching at once, as before a rotation lead existed: these tests are about the shared key file.
  const cert = useCertNode({ CERT_KEY_ROTATION_LEAD_HOURS: "0" });

  const qrOf = async (certificateNo: string): Promise<string> => {
    const doc = await cert.node.ctx.conn
      .collection<{ signature: { qr: string } | null }>("certificates")
      .findOne({ certificateNo });
    return doc?.signature?.qr ?? "";
  };

  it("when one instance rotates the key, then another instance seals what it issues later with the new key, and it verifies", async () => {
    const { node } = cert;
    let hourLater = new Date();
    const rotating = anotherInstance(node);
    const issuing = anotherInstance(node, () => hourLater);
    // The issuing instance has signed before the rotation: it has read the key file already.
    await anIssuedCertificate(node, issuing);
    const rotatedTo = await rotating.facade.signing.rotate();

    hourLater = new Date(Date.now() + 3_600_000);
    const { pass } = await anIssuedCertificate(node, issuing);
    const verified = await anotherInstance(node, () => hourLater).facade.verifyText(
      await qrOf(pass.idNumber),
    );
    expect(verified.claims?.kid).to.equal(rotatedTo);
    expect(verified.code).to.equal("valid");
  });

  it("when two instances rotate one after the other, then the node's trust list keeps every key and only the last is open", async () => {
    const { node } = cert;
    const first = anotherInstance(node);
    const second = anotherInstance(node);
    const before = (await trustListKeys(first)).map((k) => k.kid);
    // The second instance has read the key file before the first rotates.
    await second.facade.signing.trustListDocument();
    const fromFirst = await first.facade.signing.rotate();
    const fromSecond = await second.facade.signing.rotate();
    const keys = await trustListKeys(anotherInstance(node));
    expect(keys.map((k) => k.kid)).to.include.members([...before, fromFirst, fromSecond]);
    expect(keys.filter((k) => k.validTo === null).map((k) => k.kid)).to.deep.equal([fromSecond]);
  });
});
