import { verify } from "node:crypto";
import { expect } from "chai";
import { publicKeyFromX } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aPassRecord, aRegisteredProvince, startTestHub, type TestHub } from "./support.js";

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
