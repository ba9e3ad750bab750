import { expect } from "chai";
import { openEnvelope, sealClaims } from "../../../server/certificates/index.js";
import { anIssuedCertificate, useCertNode, verifyAt } from "./fixtures-nodes.js";
import { anotherInstance } from "./support.js";

/**
 * The issuing node compares a QR of its own province with what it issued: a QR signed with its key
 * (a key that leaked) for a real certificate number and index, but claiming other categories, other
 * validity dates or a version never issued, is no certificate of the province.
 */
describe("verifying at the issuing node a QR that differs from what it issued", function () {
  this.timeout(60_000);
  const cert = useCertNode();

  /** The issued certificate's QR, and the same claims re-signed with the node's own key after `change`. */
  async function issuedAndForged(change: (claims: Record<string, unknown>) => Record<string, unknown>) {
    const inst = anotherInstance(cert.node);
    const { pass } = await anIssuedCertificate(cert.node, inst);
    const doc = await cert.node.ctx.conn
      .collection<{ signature: { qr: string } }>("certificates")
      .findOne({ certificateNo: pass.idNumber });
    if (!doc) throw new Error("no certificate");
    const opened = openEnvelope(doc.signature.qr);
    if (!opened.ok) throw new Error("the issued QR does not open");
    const claims = change({ ...opened.claims });
    const forged = sealClaims(
      claims as Parameters<typeof sealClaims>[0],
      await inst.facade.signing.sealingKey(String(claims.issuedAt)),
    );
    return { issued: doc.signature.qr, forged };
  }

  it("when the QR is the one issued, then it is valid", async () => {
    const { issued } = await issuedAndForged((c) => c);
    expect(await verifyAt(cert.node, issued)).to.deep.include({ ok: true, code: "valid" });
  });

  it("when a QR signed with the node's key claims more categories than were issued, then the verdict is unknown_certificate", async () => {
    const { forged } = await issuedAndForged((c) => ({ ...c, categories: ["01001", "03001"] }));
    const verdict = await verifyAt(cert.node, forged);
    expect(verdict).to.deep.include({ ok: false, code: "unknown_certificate" });
  });

  it("when a QR signed with the node's key claims a later end of validity, then the verdict is unknown_certificate", async () => {
    const { forged } = await issuedAndForged((c) => ({ ...c, validTo: "2099-12-31" }));
    expect(await verifyAt(cert.node, forged)).to.deep.include({ ok: false, code: "unknown_certificate" });
  });

  it("when a QR signed with the node's key claims a version never issued, then the verdict is unknown_certificate", async () => {
    const { forged } = await issuedAndForged((c) => ({ ...c, version: Number(c.version) + 1 }));
    expect(await verifyAt(cert.node, forged)).to.deep.include({ ok: false, code: "unknown_certificate" });
  });
});
