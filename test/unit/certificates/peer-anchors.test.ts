import { expect } from "chai";
import type { Server } from "node:http";
import {
  buildStatusList,
  createSigner,
  emptyStatusBits,
  verifyQrText,
} from "../../../server/certificates/index.js";
import { NODE_TIME_ZONE } from "../../helpers/time-zone.js";
import { createRemoteLists } from "../../../server/certificates/remote-lists.js";
import type { TrustAnchor, TrustListKey } from "../../../server/contracts/certificates.js";
import { createLogger } from "../../../server/lib/logger.js";
import {
  aFakePeer,
  aJiangsuAnchor,
  aProvinceKey,
  aTrustList,
  memoryListMarks,
  sealSample,
} from "./trust-fixtures.js";

/**
 * A peer's anchor is never taken from the peer's own address: only a pinned anchor, or the keys
 * the hub's national list holds for the peer's province, vouch for what the peer serves.
 */

const DAY_S = 86_400;

/** An anchor of 江苏 and what it signs: the anchor a forger would serve in 江苏's name. */
function anAnchorWithKey() {
  const { anchor, signTrustList } = aJiangsuAnchor();
  const cert = aProvinceKey("ed25519", "320000");
  const trustList = (keys: TrustListKey[]) => signTrustList(keys, new Date());
  const statusList = buildStatusList(
    { provinceCode: "320000", bits: emptyStatusBits(), now: new Date(), validForSeconds: DAY_S },
    { kid: cert.kid, signer: createSigner(cert.pair) },
  );
  return { anchor, cert, trustList, statusList };
}

describe("a peer's trust anchor", () => {
  let servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    servers = [];
  });
  const remote = () =>
    createRemoteLists({
      logger: createLogger({ level: "silent" }),
      clock: () => new Date(),
      refreshMs: 0,
      marks: memoryListMarks(),
    });

  /** A peer address that answers with a forger's anchor, lists and certificate for 江苏. */
  async function aForgedPeer(extraAnchors: TrustAnchor[] = []) {
    const forged = anAnchorWithKey();
    const docs = new Map<string, unknown>([
      ["/api/certificates/trust-anchors", { anchors: [forged.anchor, ...extraAnchors] }],
      ["/api/certificates/trust-list", forged.trustList([forged.cert.entry])],
      ["/api/certificates/status-list", forged.statusList],
    ]);
    const peer = await aFakePeer(docs);
    servers.push(peer.server);
    return { ...peer, docs, forged, qr: sealSample(forged.cert.sealing) };
  }

  it("when a peer serves a pinned anchor beside one it made up, then only the pinned one counts and a list the other signed is refused", async () => {
    const genuine = anAnchorWithKey();
    const peer = await aForgedPeer([genuine.anchor]);
    const entry = await remote().peer({
      provinceCode: "320000",
      url: peer.url,
      anchorKeys: [genuine.anchor.publicKey],
    });
    expect(entry.list).to.equal(null);
    expect(entry.status).to.equal(null);
    const verdict = verifyQrText(
      peer.qr,
      { lists: entry.list ? [entry.list] : [], statusLists: new Map(), timeZone: NODE_TIME_ZONE },
      new Date(),
    );
    expect(verdict.authentic).to.equal(false);

    // The same address with the genuine list: accepted.
    peer.docs.set("/api/certificates/trust-list", genuine.trustList([genuine.cert.entry]));
    peer.docs.set("/api/certificates/status-list", genuine.statusList);
    const again = await remote().peer({
      provinceCode: "320000",
      url: peer.url,
      anchorKeys: [genuine.anchor.publicKey],
    });
    expect(again.list?.body.keys.map((k) => k.kid)).to.deep.equal([genuine.cert.kid]);
    expect(again.status).to.not.equal(null);
  });

  it("when a node with the hub's national list has an unpinned peer, then the peer's own anchor is not asked for and its status list counts only when a key the national list holds for its province signed it", async () => {
    const genuine = anAnchorWithKey();
    const { list: national } = aTrustList([genuine.cert.entry]);
    const peer = await aForgedPeer();
    const forgedEntry = await remote().peer({ provinceCode: "320000", url: peer.url }, national);
    expect(forgedEntry).to.deep.include({ list: null, status: null });
    expect(peer.asked).to.not.include("/api/certificates/trust-anchors");
    expect(
      verifyQrText(
        peer.qr,
        { lists: [national], statusLists: new Map(), timeZone: NODE_TIME_ZONE },
        new Date(),
      ).authentic,
    ).to.equal(false);

    peer.docs.set("/api/certificates/status-list", genuine.statusList);
    const genuineEntry = await remote().peer({ provinceCode: "320000", url: peer.url }, national);
    expect(genuineEntry.list).to.equal(null);
    expect(genuineEntry.status?.body.provinceCode).to.equal("320000");
  });

  it("when a peer has neither a pinned anchor nor the hub's list to vouch for it, then nothing it serves is trusted", async () => {
    const peer = await aForgedPeer();
    const entry = await remote().peer({ provinceCode: "320000", url: peer.url }, null);
    expect(entry).to.deep.include({ list: null, status: null });
    expect(peer.asked).to.deep.equal([]);
  });
});
