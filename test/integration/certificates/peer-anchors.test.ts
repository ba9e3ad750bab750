import { expect } from "chai";
import type { Server } from "node:http";
import { aFakePeer, aPublishedProvince } from "../../unit/certificates/trust-fixtures.js";
import { verifyAt } from "./fixtures-nodes.js";
import { startCertNode, type TestNode } from "./support.js";

/**
 * A peer's trust anchor is what every certificate of its province verifies against: whoever can
 * answer the fetch of `<peer>/api/certificates/trust-anchors` (a plain-HTTP path, a proxy, DNS) must
 * not be able to hand this node an anchor of its own and so sign certificates in the peer's name.
 * The anchor is pinned in CERT_PEER_ANCHORS; a self-served one counts only if it is the pinned one.
 */

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

  const verifyAtBeijing = (text: string) => verifyAt(beijing, text);

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
