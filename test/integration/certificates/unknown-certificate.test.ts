import { expect } from "chai";
import request from "supertest";
import { sealClaims } from "../../../server/certificates/index.js";
import type { VerificationResultDto } from "../../../server/contracts/certificates.js";
import { chinaDate } from "../../../server/lib/local-time.js";
import { anotherInstance, startCertNode, type TestNode } from "./support.js";

/**
 * The issuing node knows every certificate it issued: a QR its own key signed for a certificate
 * number and status index it has no record of (a key that leaked, an index never handed out) is
 * no certificate of the province, whatever its status list says of that index (0: valid).
 */
describe("verifying at the issuing node a certificate it has no record of", function () {
  this.timeout(60_000);
  let node: TestNode;
  let serial = 0;
  before(async () => {
    node = await startCertNode();
  });
  after(async () => {
    await node.stop();
  });

  /** QR text signed with the node's current certificate key for `certificateNo` at `statusIndex`. */
  async function signedByTheNode(certificateNo: string, statusIndex: number): Promise<string> {
    const inst = anotherInstance(node);
    await inst.facade.signing.start();
    const issuedAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    return sealClaims(
      {
        provinceCode: "320000",
        certificateNo,
        version: 1,
        name: "未登记人",
        categories: ["01001"],
        validFrom: chinaDate(new Date()),
        validTo: chinaDate(new Date(), 6 * 365),
        issuedAt,
        statusIndex,
        chainHash: "7a".repeat(32),
      },
      await inst.facade.signing.sealingKey(issuedAt),
    );
  }

  const nextNumber = () => `3201021990010${String(2000 + ++serial).padStart(4, "0")}X`;

  it("when a QR signed with the node's key names a certificate and an index the node never issued, then the verdict is unknown_certificate, not valid", async () => {
    const qr = await signedByTheNode(nextNumber(), 77_001);
    const res = await request(node.url).post("/api/certificates/verify").send({ text: qr }).expect(200);
    const verdict = res.body as VerificationResultDto;
    expect(verdict).to.deep.include({ ok: false, code: "unknown_certificate" });
    expect(verdict.message).to.contain("没有该证书的签发记录");
  });

  it("when the QR is an earlier card whose index its certificate has since left (a retired slot), then the status list's final status for that index decides", async () => {
    const certificateNo = nextNumber();
    const statusIndex = 77_002;
    await node.ctx.conn.collection("certificate_status_slots").insertOne({
      statusIndex,
      certificateNo,
      drawnAt: null,
      retired: true,
      retiredStatus: "cancelled",
      retiredAt: new Date(),
      lastVersion: 1,
    });
    const qr = await signedByTheNode(certificateNo, statusIndex);
    // A fresh instance: its status list is built now, with the slot (lists are cached for seconds).
    const verdict = await anotherInstance(node).facade.verifyText(qr);
    expect(verdict).to.deep.include({ ok: false, code: "status_not_valid" });
    expect(verdict.status?.state).to.equal("cancelled");
  });
});
