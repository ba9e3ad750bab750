import { expect } from "chai";
import type { TrustListBody } from "../../../server/contracts/certificates.js";
import {
  anotherInstance,
  aPass,
  officer,
  pendingIssuanceOf,
  startCertNode,
  type TestNode,
} from "./support.js";

/**
 * Several app instances of one node share its database and its keys directory; each test here
 * runs them as feature instances on one node (as separate processes would be).
 */
describe("certificate key rotation across the instances of one node", function () {
  this.timeout(60_000);
  let node: TestNode;
  before(async () => {
    // Switching at once, as before a rotation lead existed: these tests are about the shared key file.
    node = await startCertNode({ CERT_KEY_ROTATION_LEAD_HOURS: "0" });
  });
  after(async () => {
    await node.stop();
  });

  const qrOf = async (certificateNo: string): Promise<string> => {
    const doc = await node.ctx.conn
      .collection<{ signature: { qr: string } | null }>("certificates")
      .findOne({ certificateNo });
    return doc?.signature?.qr ?? "";
  };

  const trustListKeys = async (inst: ReturnType<typeof anotherInstance>) => {
    const doc = await inst.facade.signing.trustListDocument();
    const body = JSON.parse(Buffer.from(doc.payload, "base64url").toString("utf8")) as TrustListBody;
    return body.keys;
  };

  it("when one instance rotates the key, then another instance seals what it issues later with the new key, and it verifies", async () => {
    let hourLater = new Date();
    const rotating = anotherInstance(node);
    const issuing = anotherInstance(node, () => hourLater);
    // The issuing instance has signed before the rotation: it has read the key file already.
    await issuing.facade.issuance.issue(officer, await pendingIssuanceOf(issuing, await aPass(node)));
    const rotatedTo = await rotating.facade.signing.rotate();

    hourLater = new Date(Date.now() + 3_600_000);
    const pass = await aPass(node);
    await issuing.facade.issuance.issue(officer, await pendingIssuanceOf(issuing, pass));
    const verified = await anotherInstance(node, () => hourLater).facade.verifyText(
      await qrOf(pass.idNumber),
    );
    expect(verified.claims?.kid).to.equal(rotatedTo);
    expect(verified.code).to.equal("valid");
  });

  it("when two instances rotate one after the other, then the node's trust list keeps every key and only the last is open", async () => {
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
