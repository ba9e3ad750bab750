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
} from "../../../server/certificates/index.js";
import { listMarksOn } from "../../../server/certificates/list-marks.js";
import { createRemoteLists } from "../../../server/certificates/remote-lists.js";
import type { TrustListKey } from "../../../server/contracts/certificates.js";
import { useTestDatabase } from "../../helpers/database.js";
import { recordingLogger } from "../../helpers/recording-logger.js";
import { aFakePeer, aProvinceKey, aTrustList, sampleClaims } from "../../unit/certificates/trust-fixtures.js";

/**
 * The newest list seen is a high-water mark in the database: a restarted node (or another instance)
 * must refuse an older signed list a proxy replays, as the instance that saw the newer one did.
 */
const AT_0800 = new Date("2026-06-01T00:00:00Z");
const AT_1000 = new Date("2026-06-01T02:00:00Z");
const NOW = new Date("2026-06-01T03:00:00Z");
const DAY_S = 86_400;
const REFUSED = "older signed list refused: the newer one already seen is kept";

describe("the newest signed list seen, across restarts and instances", function () {
  this.timeout(60_000);
  const db = useTestDatabase("listmarks");
  let servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    servers = [];
  });

  /** A service instance on the test database, fetching on every call, with this node's clock at NOW. */
  function anInstance() {
    const log = recordingLogger();
    const remote = createRemoteLists({
      logger: log.logger,
      clock: () => NOW,
      refreshMs: 0,
      marks: listMarksOn(db.conn),
    });
    return { remote, refusals: () => log.warnings().filter((w) => w.msg === REFUSED) };
  }

  /** A province's certificate key and its status lists: valid at 08:00, the sample revoked at 10:00. */
  function jiangsuLists(provinceCode = "320000") {
    const jiangsu = aProvinceKey("ed25519", provinceCode);
    const signWith = { kid: jiangsu.kid, signer: createSigner(jiangsu.pair) };
    const revoked = emptyStatusBits();
    setStatusBits(revoked, sampleClaims.statusIndex, "revoked");
    const listAt = (now: Date, bits: Uint8Array) =>
      buildStatusList({ provinceCode, bits, now, validForSeconds: DAY_S }, signWith);
    const { list: national } = aTrustList([jiangsu.entry], { now: AT_0800 });
    return {
      jiangsu,
      national,
      older: listAt(AT_0800, emptyStatusBits()),
      newer: listAt(AT_1000, revoked),
      listAt,
    };
  }

  async function aFakeHub(docs: Map<string, unknown>) {
    const hub = await aFakePeer(docs);
    servers.push(hub.server);
    return hub;
  }

  it("when a node restarts and the hub's copy of a status list goes back to an older one, then the older one is still refused with the same warning", async () => {
    const { national, older, newer, listAt } = jiangsuLists();
    const docs = new Map<string, unknown>([["/api/hub/v1/status-lists/320000", newer]]);
    const hub = await aFakeHub(docs);

    const first = anInstance();
    expect((await first.remote.hubStatusList(hub, national, "320000"))?.body.generatedAt).to.equal(
      AT_1000.toISOString(),
    );
    docs.set("/api/hub/v1/status-lists/320000", older);
    expect((await first.remote.hubStatusList(hub, national, "320000"))?.body.generatedAt).to.equal(
      AT_1000.toISOString(),
    );
    expect(first.refusals()).to.have.length(1);

    const restarted = anInstance();
    expect(await restarted.remote.hubStatusList(hub, national, "320000")).to.equal(null);
    expect(await restarted.remote.recentHubStatusList(hub, national, "320000")).to.equal(null);
    expect(restarted.refusals()).to.have.length(2);
    expect(restarted.refusals()[0]?.detail).to.include({
      list: "hub:320000",
      generatedAt: AT_0800.toISOString(),
      keptGeneratedAt: AT_1000.toISOString(),
    });

    // A list at least as new as the mark is taken, after a restart as before.
    const later = new Date(AT_1000.getTime() + 60_000);
    docs.set("/api/hub/v1/status-lists/320000", listAt(later, emptyStatusBits()));
    expect((await restarted.remote.hubStatusList(hub, national, "320000"))?.body.generatedAt).to.equal(
      later.toISOString(),
    );
  });

  it("when a restarted node's peer serves an older status list than one seen before the restart, then it is refused and the peer's status stays unknown", async () => {
    const { jiangsu, older, newer } = jiangsuLists();
    const pair = generateKeyPair("ed25519");
    const anchor = {
      name: "江苏",
      kid: keyIdOf("ed25519", pair.publicKey),
      suite: "ed25519" as const,
      publicKey: pair.publicKey,
      provinces: ["320000"],
    };
    const trustList = buildTrustList(
      {
        issuer: "province:320000",
        keys: [jiangsu.entry],
        now: AT_0800,
        validForSeconds: 7 * DAY_S,
        refreshSeconds: DAY_S,
      },
      { kid: anchor.kid, signer: createSigner(pair) },
    );
    const docs = new Map<string, unknown>([
      ["/api/certificates/trust-anchors", { anchors: [anchor] }],
      ["/api/certificates/trust-list", trustList],
      ["/api/certificates/status-list", newer],
    ]);
    const peerServer = await aFakeHub(docs);
    const peer = { provinceCode: "320000", url: peerServer.url, anchorKeys: [anchor.publicKey] };

    expect((await anInstance().remote.peer(peer)).status?.body.generatedAt).to.equal(AT_1000.toISOString());
    docs.set("/api/certificates/status-list", older);
    const restarted = anInstance();
    const entry = await restarted.remote.peer(peer);
    expect(entry.status).to.equal(null);
    expect(entry.list?.body.generatedAt).to.equal(AT_0800.toISOString());
    expect(restarted.refusals().map((r) => r.detail.list)).to.deep.equal(["peer:320000"]);
  });

  it("when a restarted node is served an older national trust list by the hub, then it is refused", async () => {
    const jiangsu = aProvinceKey("ed25519", "320000");
    const hubPair = generateKeyPair("ed25519");
    const signer = { kid: keyIdOf("ed25519", hubPair.publicKey), signer: createSigner(hubPair) };
    const national = (keys: TrustListKey[], now: Date) =>
      buildTrustList({ issuer: "hub", keys, now, validForSeconds: 7 * DAY_S, refreshSeconds: DAY_S }, signer);
    // The newer list closed the key (a rotation after a leak); the older one still had it open.
    const retired = { ...jiangsu.entry, validTo: AT_1000.toISOString() };
    const docs = new Map<string, unknown>([["/api/hub/v1/trust-list", national([retired], AT_1000)]]);
    const hub = { ...(await aFakeHub(docs)), publicKey: hubPair.publicKey };

    expect((await anInstance().remote.hubList(hub))?.body.generatedAt).to.equal(AT_1000.toISOString());
    docs.set("/api/hub/v1/trust-list", national([jiangsu.entry], AT_0800));
    const restarted = anInstance();
    expect(await restarted.remote.hubList(hub)).to.equal(null);
    expect(restarted.refusals().map((r) => r.detail.list)).to.deep.equal(["hub:national"]);
  });

  it("when an instance that read the mark early takes a list older than another instance's, then the stored mark does not go back", async () => {
    // Its own province: the marks of the tests above stay apart.
    const { national, older, newer, listAt } = jiangsuLists("340000");
    const docs = new Map<string, unknown>([["/api/hub/v1/status-lists/340000", older]]);
    const hub = await aFakeHub(docs);
    const marks = db.conn.collection<{ _id: string; generatedAt: Date }>("certificate_list_marks");
    const stored = async () => (await marks.findOne({ _id: "status:hub:340000" }))?.generatedAt.toISOString();

    const early = anInstance();
    await early.remote.hubStatusList(hub, national, "340000");
    expect(await stored()).to.equal(AT_0800.toISOString());
    docs.set("/api/hub/v1/status-lists/340000", newer);
    await anInstance().remote.hubStatusList(hub, national, "340000");
    expect(await stored()).to.equal(AT_1000.toISOString());

    // `early` read the mark at 08:00: a 09:00 list is new to it, but not to the database.
    const at0900 = new Date("2026-06-01T01:00:00Z");
    docs.set("/api/hub/v1/status-lists/340000", listAt(at0900, emptyStatusBits()));
    await early.remote.hubStatusList(hub, national, "340000");
    expect(await stored()).to.equal(AT_1000.toISOString());
  });
});
