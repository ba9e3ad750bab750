import { expect } from "chai";
import type { Server } from "node:http";
import {
  buildStatusList,
  buildTrustList,
  createSigner,
  emptyStatusBits,
  generateKeyPair,
  keyIdOf,
  setStatusBits,
  verifyQrText,
  type LoadedStatusList,
} from "../../../server/certificates/index.js";
import { NODE_TIME_ZONE } from "../../helpers/time-zone.js";
import { createRemoteLists } from "../../../server/certificates/remote-lists.js";
import type { TrustListKey } from "../../../server/contracts/certificates.js";
import { createLogger } from "../../../server/lib/logger.js";
import {
  aFakePeer,
  aJiangsuAnchor,
  aProvinceKey,
  aTrustList,
  memoryListMarks,
  sampleClaims,
  sealSample,
} from "./trust-fixtures.js";

/**
 * A verifier's cached lists must never go back in time: whoever answers its fetch (a plain-HTTP
 * path, a caching proxy, a lagging mirror) could otherwise serve an older list, still signed and
 * unexpired, that shows a revoked certificate as valid.
 */

const AT_0800 = new Date("2026-06-01T00:00:00Z");
const AT_1000 = new Date("2026-06-01T02:00:00Z");
const NOW = new Date("2026-06-01T03:00:00Z");
const DAY_S = 86_400;

describe("signed lists a verifier fetches from others", () => {
  const jiangsu = aProvinceKey("ed25519", "320000");
  const signWith = { kid: jiangsu.kid, signer: createSigner(jiangsu.pair) };
  const qr = sealSample(jiangsu.sealing);
  const validBits = emptyStatusBits();
  const revokedBits = emptyStatusBits();
  setStatusBits(revokedBits, sampleClaims.statusIndex, "revoked");
  const listAt = (now: Date, bits: Uint8Array) =>
    buildStatusList({ provinceCode: "320000", bits, now, validForSeconds: DAY_S }, signWith);
  const older = listAt(AT_0800, validBits);
  const newer = listAt(AT_1000, revokedBits);
  let servers: Server[] = [];

  afterEach(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    servers = [];
  });

  /** Fetches on every call (no minute's cache), with this node's clock at NOW and no mark stored yet. */
  function lists() {
    const logger = createLogger({ level: "silent" });
    const marks = memoryListMarks();
    return { remote: createRemoteLists({ logger, clock: () => NOW, refreshMs: 0, marks }) };
  }

  it("when a verifier's fetch returns an older signed status list than the one cached, then the cached one is kept and X stays revoked", async () => {
    const { file: trustFile, anchor } = aTrustList([jiangsu.entry], { now: AT_0800 });
    const docs = new Map<string, unknown>([
      ["/api/certificates/trust-anchors", { anchors: [anchor] }],
      ["/api/certificates/trust-list", trustFile],
      ["/api/certificates/status-list", newer],
    ]);
    const { server, url } = await aFakePeer(docs);
    servers.push(server);
    const { remote } = lists();
    const peer = { provinceCode: "320000", url, anchorKeys: [anchor.publicKey] };

    const first = await remote.peer(peer);
    expect(first.status?.body.generatedAt).to.equal(AT_1000.toISOString());

    docs.set("/api/certificates/status-list", older);
    const second = await remote.peer(peer);
    expect(second.status?.body.generatedAt).to.equal(AT_1000.toISOString());
    const verdict = verifyQrText(
      qr,
      {
        lists: second.list ? [second.list] : [],
        statusLists: statusOf(second.status),
        timeZone: NODE_TIME_ZONE,
      },
      NOW,
    );
    expect(verdict).to.deep.include({ authentic: true, ok: false, code: "status_not_valid" });
    expect(verdict.status?.state).to.equal("revoked");

    // A list at least as new as the kept one still replaces it.
    const later = new Date(AT_1000.getTime() + 60_000);
    docs.set("/api/certificates/status-list", listAt(later, validBits));
    const third = await remote.peer(peer);
    expect(third.status?.body.generatedAt).to.equal(later.toISOString());
  });

  it("when a peer's fetch returns an older signed trust list than the one cached, then the cached one is kept", async () => {
    // The newer list closed the key (a rotation after a leak); the older one still had it open.
    const anchor = aJiangsuAnchor();
    const retired = { ...jiangsu.entry, validTo: AT_1000.toISOString() };
    const docs = new Map<string, unknown>([
      ["/api/certificates/trust-anchors", { anchors: [anchor.anchor] }],
      ["/api/certificates/trust-list", anchor.signTrustList([retired], AT_1000)],
      ["/api/certificates/status-list", newer],
    ]);
    const { server, url } = await aFakePeer(docs);
    servers.push(server);
    const { remote } = lists();
    const peer = { provinceCode: "320000", url, anchorKeys: [anchor.anchor.publicKey] };
    expect((await remote.peer(peer)).list?.body.generatedAt).to.equal(AT_1000.toISOString());
    docs.set("/api/certificates/trust-list", anchor.signTrustList([jiangsu.entry], AT_0800));
    const kept = await remote.peer(peer);
    expect(kept.list?.body.generatedAt).to.equal(AT_1000.toISOString());
    expect(kept.list?.body.keys[0]?.validTo).to.equal(AT_1000.toISOString());
  });

  it("when the hub's copy of a province's status list goes back to an older one, then the newer copy already seen is kept, for the verifier and for issuing alike", async () => {
    const { list: national } = aTrustList([jiangsu.entry], { now: AT_0800 });
    const docs = new Map<string, unknown>([["/api/hub/v1/status-lists/320000", newer]]);
    const { server, url } = await aFakePeer(docs);
    servers.push(server);
    const { remote } = lists();
    const hub = { url };

    const first = await remote.recentHubStatusList(hub, national, "320000");
    expect(first?.body.generatedAt).to.equal(AT_1000.toISOString());

    docs.set("/api/hub/v1/status-lists/320000", older);
    const recent = await remote.recentHubStatusList(hub, national, "320000");
    expect(recent?.body.generatedAt).to.equal(AT_1000.toISOString());
    const current = await remote.hubStatusList(hub, national, "320000");
    expect(current?.body.generatedAt).to.equal(AT_1000.toISOString());
    const verdict = verifyQrText(
      qr,
      { lists: [national], statusLists: statusOf(recent), timeZone: NODE_TIME_ZONE },
      NOW,
    );
    expect(verdict.status?.state).to.equal("revoked");
  });

  it("when the hub's national trust list goes back to an older one, then the newer one already seen is kept", async () => {
    const hubPair = generateKeyPair("ed25519");
    const hubKid = keyIdOf("ed25519", hubPair.publicKey);
    const signer = { kid: hubKid, signer: createSigner(hubPair) };
    const national = (keys: TrustListKey[], now: Date) =>
      buildTrustList({ issuer: "hub", keys, now, validForSeconds: 7 * DAY_S, refreshSeconds: DAY_S }, signer);
    const retired = { ...jiangsu.entry, validTo: AT_1000.toISOString() };
    const docs = new Map<string, unknown>([["/api/hub/v1/trust-list", national([retired], AT_1000)]]);
    const { server, url } = await aFakePeer(docs);
    servers.push(server);
    const { remote } = lists();
    const hub = { url, publicKey: hubPair.publicKey };
    expect((await remote.hubList(hub))?.body.generatedAt).to.equal(AT_1000.toISOString());
    docs.set("/api/hub/v1/trust-list", national([jiangsu.entry], AT_0800));
    const kept = await remote.hubList(hub);
    expect(kept?.body.generatedAt).to.equal(AT_1000.toISOString());
    expect(kept?.body.keys[0]?.validTo).to.equal(AT_1000.toISOString());
  });

  it("when the list kept was dated ahead of this node's clock (its signer's clock ran fast), then a list dated now still replaces it", async () => {
    const ahead = listAt(new Date(NOW.getTime() + 3 * 3600_000), revokedBits);
    const { list: national } = aTrustList([jiangsu.entry], { now: AT_0800 });
    const docs = new Map<string, unknown>([["/api/hub/v1/status-lists/320000", ahead]]);
    const { server, url } = await aFakePeer(docs);
    servers.push(server);
    const { remote } = lists();
    await remote.hubStatusList({ url }, national, "320000");
    docs.set("/api/hub/v1/status-lists/320000", newer);
    const now = await remote.hubStatusList({ url }, national, "320000");
    expect(now?.body.generatedAt).to.equal(AT_1000.toISOString());
  });
});

function statusOf(list: LoadedStatusList | null | undefined): Map<string, LoadedStatusList> {
  return new Map(list ? [["320000", list]] : []);
}
