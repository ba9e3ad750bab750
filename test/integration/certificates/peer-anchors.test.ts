import { expect } from "chai";
import type { Server } from "node:http";
import {
  buildStatusList,
  buildTrustList,
  createSigner,
  emptyStatusBits,
  generateKeyPair,
  keyIdOf,
} from "../../../server/certificates/index.js";
import type { TrustAnchor } from "../../../server/contracts/certificates.js";
import type { VerificationResultDto } from "../../../server/contracts/certificate-trust.js";
import { aFakePeer, aProvinceKey, sealSample } from "../../unit/certificates/trust-fixtures.js";
import { startCertNode, type TestNode } from "./support.js";

/**
 * A peer's trust anchor is what every certificate of its province verifies against: whoever can
 * answer the fetch of `<peer>/api/certificates/trust-anchors` (a plain-HTTP path, a proxy, DNS) must
 * not be able to hand this node an anchor of its own and so sign certificates in the peer's name.
 * The anchor is pinned in CERT_PEER_ANCHORS; a self-served one counts only if it is the pinned one.
 */

/** A province as a fake peer publishes it: its anchor, lists, and a certificate QR of its key. */
function aPublishedProvince(provinceCode: string) {
  const anchorPair = generateKeyPair("ed25519");
  const anchor: TrustAnchor = {
    name: `province ${provinceCode} node`,
    kid: keyIdOf("ed25519", anchorPair.publicKey),
    suite: "ed25519",
    publicKey: anchorPair.publicKey,
    provinces: [provinceCode],
  };
  const cert = aProvinceKey("ed25519", provinceCode);
  const now = new Date();
  const trustList = buildTrustList(
    {
      issuer: `province:${provinceCode}`,
      keys: [cert.entry],
      now,
      validForSeconds: 86_400,
      refreshSeconds: 3_600,
    },
    { kid: anchor.kid, signer: createSigner(anchorPair) },
  );
  const statusList = buildStatusList(
    { provinceCode, bits: emptyStatusBits(), now, validForSeconds: 86_400 },
    { kid: cert.kid, signer: createSigner(cert.pair) },
  );
  const docs = new Map<string, unknown>([
    ["/api/certificates/trust-anchors", { format: "roadcert-trust-anchors/1", anchors: [anchor] }],
    ["/api/certificates/trust-list", trustList],
    ["/api/certificates/status-list", statusList],
  ]);
  return { anchor, docs, qr: sealSample(cert.sealing, { provinceCode }) };
}

describe("a peer province's trust anchor, pinned in the configuration", function () {
  this.timeout(60_000);
  // 江苏's address answers with a forged anchor; 广东's with the anchor 北京 pinned for it.
  const genuineJiangsu = aPublishedProvince("320000");
  const forgedJiangsu = aPublishedProvince("320000");
  const guangdong = aPublishedProvince("440000");
  let beijing: TestNode;
  const servers: Server[] = [];

  before(async () => {
    const js = await aFakePeer(forgedJiangsu.docs);
    const gd = await aFakePeer(guangdong.docs);
    servers.push(js.server, gd.server);
    beijing = await startCertNode({
      PROVINCE_CODE: "110000",
      CERT_PEERS: `320000=${js.url},440000=${gd.url}`,
      CERT_PEER_ANCHORS: `320000=${genuineJiangsu.anchor.publicKey},440000=${guangdong.anchor.publicKey}`,
    });
  });
  after(async () => {
    await beijing?.stop();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  const verifyAtBeijing = async (text: string) =>
    (await (
      await fetch(`${beijing.url}/api/certificates/verify`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text }),
      })
    ).json()) as VerificationResultDto;

  it("when a peer serves an anchor other than the pinned one, then its lists are refused and a certificate signed with its key is not valid", async () => {
    const verdict = await verifyAtBeijing(forgedJiangsu.qr);
    expect(verdict.authentic).to.equal(false);
    expect(verdict.ok).to.equal(false);
  });

  it("when a peer serves the pinned anchor, then its certificates verify with their status", async () => {
    const verdict = await verifyAtBeijing(guangdong.qr);
    expect(verdict).to.deep.include({ ok: true, authentic: true });
    expect(verdict.status?.state).to.equal("valid");
  });
});
