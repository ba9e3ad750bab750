import { verify } from "node:crypto";
import { expect } from "chai";
import { runProvinceChecks } from "../../../scripts/conformance/province-checks.js";
import { certificateKeysOf } from "../../../scripts/demo-hub-registration.js";
import {
  createSigner,
  generateKeyPair,
  keyIdOf,
  loadTrustList,
  sealClaims,
  verifyQrText,
} from "../../../server/certificates/index.js";
import { RegisterNodeBody } from "../../../server/contracts/hub.js";
import { buildTrustList, trustListKid } from "../../../server/hub/trust-list.js";
import {
  createMessageLog,
  createNodeClient,
  generateNodeKey,
  loadOrCreateNodeKey,
  publicKeyFromX,
} from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { signingKeysDir } from "../../helpers/signing-keys.js";
import { NODE_TIME_ZONE } from "../../helpers/time-zone.js";
import { aPassRecord, aProvinceOfHub, aRegisteredProvince, startTestHub, type TestHub } from "./support.js";

describe("hub trust list, API documents and rate limits", () => {
  const provinceDb = useTestDatabase("prov_trust");
  let hub: TestHub;

  before(async () => {
    hub = await startTestHub({ HUB_RATE_LIMIT_PER_MINUTE: "3", HUB_UNSIGNED_LOG_PER_SOURCE_PER_MINUTE: "2" });
  });
  after(async () => {
    await hub.node.stop();
  });

  it("when provinces registered certificate keys, then the hub serves a trust list of all of them signed with its key, with cache headers", async () => {
    await hub.registry.register({
      provinceCode: "320000", name: "江苏", nodeKey: "A".repeat(43),
      certificateKeys: [{ kid: "js-2026", suite: "sm2-sm3", publicKey: "BAx" }],
    });
    await hub.registry.register({
      provinceCode: "110000", name: "北京", nodeKey: "B".repeat(43),
      certificateKeys: [{ kid: "bj-2026", suite: "ed25519", publicKey: "C".repeat(43) }],
    });
    const res = await fetch(`${hub.node.url}/api/hub/v1/trust-list`);
    expect(res.headers.get("cache-control")).to.equal("public, max-age=86400");
    expect(res.headers.get("last-modified")).to.be.a("string");
    const doc = (await res.json()) as { payload: string; signature: string; signer: { suite: string } };
    const payload = Buffer.from(doc.payload, "base64url");
    expect(verify(null, payload, publicKeyFromX(hub.identity.publicKey), Buffer.from(doc.signature, "base64url"))).to.equal(true);
    const body = JSON.parse(payload.toString("utf8")) as { issuer: string; keys: { provinceCode: string; kid: string; suite: string }[] };
    expect(body.issuer).to.equal("hub");
    expect(body.keys.map((k) => `${k.provinceCode}/${k.kid}/${k.suite}`).sort()).to.deep.equal(["110000/bj-2026/ed25519", "320000/js-2026/sm2-sm3"]);
    const tampered = Buffer.from(payload.toString("utf8").replace("js-2026", "js-2027"));
    expect(verify(null, tampered, publicKeyFromX(hub.identity.publicKey), Buffer.from(doc.signature, "base64url"))).to.equal(false);
  });

  it("when a node key is rotated without naming certificate keys, or the node is suspended, then its certificate keys stay on the trust list", async () => {
    await hub.registry.register({
      provinceCode: "340000", name: "安徽", nodeKey: "D".repeat(43),
      certificateKeys: [{ kid: "ah-2026", suite: "ed25519", publicKey: "E".repeat(43), validFrom: "2026-01-01T00:00:00.000Z" }],
    });
    const listed = async () => {
      const doc = (await (await fetch(`${hub.node.url}/api/hub/v1/trust-list`)).json()) as { payload: string };
      const body = JSON.parse(Buffer.from(doc.payload, "base64url").toString("utf8")) as { keys: { provinceCode: string; kid: string; validFrom: string }[] };
      return body.keys.filter((k) => k.provinceCode === "340000").map((k) => `${k.kid}@${k.validFrom}`);
    };
    // The operator page rotates the node key and sends no certificate keys.
    await hub.registry.register({ provinceCode: "340000", name: "安徽", nodeKey: "F".repeat(43) });
    expect(await listed()).to.deep.equal(["ah-2026@2026-01-01T00:00:00.000Z"]);
    await hub.registry.setStatus("340000", "suspended");
    expect(await listed()).to.deep.equal(["ah-2026@2026-01-01T00:00:00.000Z"]);
    // Naming them replaces them; an empty list removes them.
    await hub.registry.register({ provinceCode: "340000", name: "安徽", nodeKey: "F".repeat(43), certificateKeys: [] });
    expect(await listed()).to.deep.equal([]);
  });

  it("when someone browses the API documents, then the hub serves both OpenAPI 3.1 documents and a page listing every operation", async () => {
    for (const name of ["collection", "catalog"]) {
      const doc = (await (await fetch(`${hub.node.url}/api/hub/v1/openapi/${name}.json`)).json()) as { openapi: string };
      expect(doc.openapi).to.equal("3.1.0");
    }
    const page = await (await fetch(`${hub.node.url}/api/hub/v1/docs`)).text();
    for (const op of ["/api/hub/v1/collection/records", "/api/hub/v1/catalog/lookups", "/api/hub/v1/catalog/changes"]) expect(page).to.contain(op);
    // The inbox's query parameters and their defaults are on the page, the signature headers are not repeated.
    const inbox = page.slice(page.indexOf("/api/hub/v1/exchange/inbox"), page.indexOf("</details>", page.indexOf("/api/hub/v1/exchange/inbox")));
    for (const name of ["after", "limit", "wait"]) expect(inbox).to.contain(`&#34;name&#34;: &#34;${name}&#34;`);
    expect(inbox).to.contain("&#34;default&#34;: 100").and.not.to.contain("&#34;in&#34;: &#34;header&#34;");
  });

  it("when a node sends more requests than its per-minute limit, then the excess is refused with 429 rate_limited and applies nothing", async () => {
    const province = await aRegisteredProvince(hub, "330000", provinceDb.conn);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const answer = await province.client.call("POST", "/api/hub/v1/collection/records", { batchId: `rl-${i}`, records: [aPassRecord({ province: "330000" })] });
      statuses.push(answer.status);
    }
    expect(statuses.filter((s) => s === 200)).to.have.length(3);
    expect(statuses.slice(3)).to.deep.equal([429, 429]);
    expect(await hub.node.ctx.conn.collection("hub_records").countDocuments({ sourceProvince: "330000" })).to.equal(3);
  });

  it("when a node is refused for its rate, then the signed 429 says in details and in Retry-After how many whole seconds until it may send again", async () => {
    const key = generateNodeKey();
    await hub.registry.register({ provinceCode: "410000", name: "河南", nodeKey: key.publicKeyX, certificateKeys: [] });
    const retryAfter: (string | null)[] = [];
    const client = createNodeClient({
      key,
      peer: hub.peer,
      log: createMessageLog(provinceDb.conn),
      // The header as it left the hub; the client still verifies the answer's signature.
      fetchImpl: async (url, init) => {
        const res = await fetch(url, init);
        retryAfter.push(res.headers.get("retry-after"));
        return res;
      },
    });
    let refused: Awaited<ReturnType<typeof client.call>> | undefined;
    for (let i = 0; i < 4 && !refused; i++) {
      const answer = await client.call("POST", "/api/hub/v1/collection/records", { batchId: `ra-${i}`, records: [aPassRecord({ province: "410000" })] });
      if (answer.status === 429) refused = answer;
    }
    expect(refused?.error?.code).to.equal("rate_limited");
    const seconds = (refused?.error?.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    // HUB_RATE_LIMIT_PER_MINUTE=3: one token every 20 s, and the bucket was just emptied.
    expect(seconds).to.be.a("number").that.satisfies(Number.isSafeInteger).and.is.within(1, 20);
    expect(retryAfter.at(-1)).to.equal(String(seconds));
    expect(refused?.retryAfterSeconds).to.equal(seconds);
    expect(retryAfter.slice(0, -1)).to.deep.equal([null, null, null]);
  });

  it("when one sender sends more unsigned requests than the configured log budget, then all are refused and only the budget is logged one by one", async () => {
    const logged = () =>
      hub.node.ctx.conn.collection("message_log").countDocuments({ outcome: { $ne: "processed" } });
    const before = await logged();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${hub.node.url}/api/hub/v1/collection/records`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).to.deep.equal([401, 401, 401, 401, 401]);
    // HUB_UNSIGNED_LOG_PER_SOURCE_PER_MINUTE=2: the other three are only counted.
    expect((await logged()) - before).to.equal(2);
  });
});

/**
 * The dates the national list gives a province's certificate keys. A hub of their own: a province
 * node started here sends requests from the same address as the rate-limit tests above.
 */
describe("hub national trust list dates", () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => hub?.node.stop());

  /** A certificate key of `provinceCode` and a QR it sealed at `issuedAt`. */
  function aSignedCertificate(provinceCode: string, issuedAt: Date) {
    const pair = generateKeyPair("ed25519");
    const kid = keyIdOf("ed25519", pair.publicKey);
    const qr = sealClaims(
      {
        provinceCode,
        certificateNo: "36010219900101123X",
        version: 1,
        name: "张三",
        categories: ["01001"],
        validFrom: "2026-01-01",
        validTo: "2031-12-31",
        issuedAt: new Date(Math.floor(issuedAt.getTime() / 1000) * 1000).toISOString(),
        statusIndex: 7,
        chainHash: "ab".repeat(32),
      },
      { kid, signer: createSigner(pair) },
    );
    return { key: { kid, suite: "ed25519" as const, publicKey: pair.publicKey }, qr };
  }

  /** The national list as the hub would build it at `now`, loaded with the pinned hub key. */
  async function nationalListAt(now: Date) {
    const key = loadOrCreateNodeKey(hub.keyDir);
    const { document } = await buildTrustList(hub.registry, key, now);
    const anchor = { name: "hub", kid: trustListKid(key), suite: "ed25519" as const, publicKey: hub.identity.publicKey, provinces: "*" as const };
    const loaded = loadTrustList(document, [anchor]);
    if (!loaded.ok) throw new Error(loaded.reason);
    return loaded.list;
  }

  it("when a province registered a key without a start date, then the national list dates it from the registration's instant on every read, and what it signed after verifies days later", async () => {
    const registeredAt = new Date();
    const { key, qr } = aSignedCertificate("360000", new Date(registeredAt.getTime() + 3_600_000));
    await hub.registry.register({ provinceCode: "360000", name: "江西", nodeKey: generateNodeKey().publicKeyX, certificateKeys: [key] });
    const registeredBy = Date.now();
    const threeDaysOn = new Date(registeredAt.getTime() + 3 * 86_400_000);
    const dates = async (now: Date) =>
      (await nationalListAt(now)).body.keys.filter((k) => k.kid === key.kid).map((k) => k.validFrom);
    const first = await dates(new Date(registeredAt.getTime() + 86_400_000));
    expect(first).to.have.length(1);
    // An instant, as the hub keeps an announced key's start: not the UTC day, which vouched for the
    // key hours before anyone registered it.
    expect(first[0]).to.match(/T\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(first[0] ?? "")).to.be.within(registeredAt.getTime(), registeredBy);
    expect(await dates(threeDaysOn)).to.deep.equal(first);
    // A province that only has the hub's list: the certificate signed an hour after registration.
    expect(verifyQrText(qr, { lists: [await nationalListAt(threeDaysOn)], timeZone: NODE_TIME_ZONE }, threeDaysOn).code).to.equal("valid");
    expect((await hub.registry.list()).find((n) => n.provinceCode === "360000")?.certificateKeys[0]?.validFrom).to.equal(first[0]);
  });

  it("when a key is registered again without a start date, then it keeps the start it had, and old records read as the instants they meant: a stored day its UTC midnight, no start the node's registration day", async () => {
    const kept = aSignedCertificate("350000", new Date()).key;
    const legacy = aSignedCertificate("350000", new Date()).key;
    const nodeKey = generateNodeKey().publicKeyX;
    await hub.registry.register({ provinceCode: "350000", name: "福建", nodeKey, certificateKeys: [kept, legacy] });
    // As the registry held them: the first registered long ago, the other before dates were kept.
    await hub.node.ctx.conn.collection("hub_nodes").updateOne(
      { provinceCode: "350000" },
      {
        $set: {
          registeredAt: new Date("2025-06-01T08:00:00.000Z"),
          "certificateKeys.0.validFrom": "2025-07-01",
          "certificateKeys.1.validFrom": null,
        },
      },
    );
    const listed = async () =>
      Object.fromEntries(
        (await nationalListAt(new Date())).body.keys
          .filter((k) => k.provinceCode === "350000")
          .map((k) => [k.kid, k.validFrom]),
      );
    const asRead = { [kept.kid]: "2025-07-01T00:00:00.000Z", [legacy.kid]: "2025-06-01T00:00:00.000Z" };
    expect(await listed()).to.deep.equal(asRead);
    const registry = async () =>
      Object.fromEntries(
        ((await hub.registry.list()).find((n) => n.provinceCode === "350000")?.certificateKeys ?? []).map((k) => [k.kid, k.validFrom]),
      );
    expect(await registry()).to.deep.equal(asRead);
    await hub.registry.register({ provinceCode: "350000", name: "福建", nodeKey, certificateKeys: [kept, legacy] });
    expect(await listed()).to.deep.equal(asRead);
    expect(await registry()).to.deep.equal(asRead);
  });

  it("when the national list dates a province's key later than the province does, then conformance P05 fails naming the key, and passes once registered with the province's dates", async () => {
    const province = await aProvinceOfHub(hub, "370000", { CERT_KEYS_DIR: signingKeysDir({ madeAt: new Date("2025-03-01T00:00:00.000Z") }) });
    try {
      const own = RegisterNodeBody.shape.certificateKeys.parse(await certificateKeysOf(province.url)) ?? [];
      const nodeKey = (await hub.registry.list()).find((n) => n.provinceCode === "370000")?.nodeKeys.find((k) => !k.retiredAt)?.publicKey ?? "";
      // Registered without dates in the first place: the hub can date them only from today.
      await hub.registry.register({ provinceCode: "370000", name: "山东", nodeKey, certificateKeys: [] });
      await hub.registry.register({ provinceCode: "370000", name: "山东", nodeKey, certificateKeys: own.map(({ kid, suite, publicKey }) => ({ kid, suite, publicKey })) });
      const p05 = async () => (await runProvinceChecks({ provinceUrl: province.url, hubUrl: hub.node.url })).find((r) => r.id === "P05");
      const failed = await p05();
      expect(failed?.ok).to.equal(false);
      expect(failed?.reason).to.contain(own[0]?.kid).and.to.contain("2025-03-01");
      await hub.registry.register({ provinceCode: "370000", name: "山东", nodeKey, certificateKeys: own });
      expect(await p05()).to.deep.include({ ok: true });
    } finally {
      await province.stop();
    }
  });
});

describe("hub API documents by name", () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => hub?.node.stop());

  it("when a document name is one of Object's own properties, then the answer is the unknown name's, never a document made of it", async () => {
    const answer = async (name: string) => {
      const res = await fetch(`${hub.node.url}/api/hub/v1/openapi/${name}.json`);
      return { status: res.status, code: ((await res.json()) as { error?: { code?: string } }).error?.code };
    };
    // No such document: the signed interface's gate answers, as for any other unknown path there.
    const unknown = await answer("nothing");
    expect(unknown.status).to.equal(401);
    // Before, constructor.json answered 200 {} and toString.json 200 "[object Undefined]".
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"])
      expect({ name, ...(await answer(name)) }).to.deep.equal({ name, ...unknown });
  });
});
