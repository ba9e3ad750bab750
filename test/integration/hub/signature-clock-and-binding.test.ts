import { expect } from "chai";
import {
  createMessageLog,
  createNodeClient,
  signRequest,
  TransportError,
  verifyResponse,
  type MessageView,
  type NodeKey,
} from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aPassRecord, aRegisteredProvince, useHubWithJiangsu } from "./support.js";

/**
 * The hub's time window and which refusals it signs. A province whose clock runs behind by less
 * than the documented skew (120 s) must be served; a refusal may be bound (`;req`) only to a request
 * whose signature the hub verified, or an on-path change of one byte made the hub sign a refusal of
 * the genuine request, which the province took as the hub's word.
 */
describe("hub transport: clock skew on expiry, and signing only verified requests' answers", () => {
  const provinceDb = useTestDatabase("prov_sigclock");
  const suite = useHubWithJiangsu(provinceDb);
  const collectUrl = () => `${suite.hub.node.url}/api/hub/v1/collection/records`;

  async function rawPost(key: NodeKey, body: string, options: { sentBody?: string; now?: Date; lifetime?: number } = {}) {
    const { headers } = signRequest(key, { method: "POST", url: collectUrl(), body }, options.now, options.lifetime);
    const res = await fetch(collectUrl(), {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: options.sentBody ?? body,
    });
    return { status: res.status, text: await res.text(), headers: res.headers, sent: headers };
  }
  const batch = (batchId: string) => JSON.stringify({ batchId, records: [aPassRecord()] });

  for (const slowBy of [61, 100, 118])
    it(`when a province's clock runs ${slowBy} s slow, then its batch signed for the default 60 s is taken`, async () => {
      const res = await rawPost(suite.jiangsu.key, batch(`b-slow-${slowBy}`), { now: new Date(Date.now() - slowBy * 1000) });
      expect(res.status, res.text).to.equal(200);
    });

  it("when a province's clock runs slower than the documented skew allows, then it is refused as clock_skew", async () => {
    const res = await rawPost(suite.jiangsu.key, batch("b-too-slow"), { now: new Date(Date.now() - 125_000) });
    expect(res.status).to.equal(401);
    expect(JSON.parse(res.text)).to.nested.include({ "error.code": "clock_skew" });
  });

  it("when a body byte is changed on the way, then the hub's refusal carries no signature bound to the genuine request", async () => {
    const signed = JSON.stringify({ batchId: "b-flip", records: [aPassRecord({ name: "李四" })] });
    const res = await rawPost(suite.jiangsu.key, signed, { sentBody: signed.replace("李四", "王五") });
    expect(res.status).to.equal(401);
    expect(JSON.parse(res.text)).to.nested.include({ "error.code": "content_digest_mismatch" });
    expect(res.headers.get("signature")).to.equal(null);
    expect(res.headers.get("signature-input")).to.equal(null);
  });

  for (const [what, change] of [
    ["the key id", (h: Record<string, string>) => ({ ...h, "signature-input": h["signature-input"]!.replace(/keyid="[^"]+"/, 'keyid="nobody-knows-this-key-id"') })],
    ["the signature", (h: Record<string, string>) => ({ ...h, signature: h.signature!.replace(/:(.)/, (_m, c: string) => `:${c === "A" ? "B" : "A"}`) })],
  ] as const)
    it(`when ${what} is changed on the way, then the refusal is not signed`, async () => {
      const body = batch(`b-change-${what}`);
      const { headers } = signRequest(suite.jiangsu.key, { method: "POST", url: collectUrl(), body });
      const res = await fetch(collectUrl(), { method: "POST", headers: { ...change(headers), "content-type": "application/json" }, body });
      expect(res.status).to.equal(401);
      await res.arrayBuffer();
      expect(res.headers.get("signature")).to.equal(null);
    });

  it("when a genuine request is refused after its signature verified, then the refusal is signed and bound to it", async () => {
    const other = await aRegisteredProvince(suite.hub, "340000", provinceDb.conn);
    await suite.hub.registry.setStatus("340000", "suspended");
    const res = await rawPost(other.key, JSON.stringify({ batchId: "b-susp-signed", records: [aPassRecord({ province: "340000" })] }));
    expect(res.status).to.equal(403);
    const request: MessageView = { method: "POST", targetUri: collectUrl(), header: (n) => res.sent[n] };
    const view: MessageView = { status: res.status, header: (n) => res.headers.get(n) ?? undefined };
    expect(() => verifyResponse(view, res.text, request, suite.hub.peer.publicKey, suite.hub.peer.keyId)).not.to.throw();
  });

  it("when the province's client meets a refusal of a request changed on the way, then it throws rather than taking the refusal as the hub's word", async () => {
    const client = createNodeClient({
      key: suite.jiangsu.key,
      peer: suite.hub.peer,
      log: createMessageLog(provinceDb.conn),
      // An on-path attacker flipping one byte of the body.
      fetchImpl: (url, init) => fetch(url, { ...init, body: (init?.body as string).replace("李四", "王五") }),
    });
    const err = await client
      .call("POST", "/api/hub/v1/collection/records", { batchId: "b-client-flip", records: [aPassRecord({ name: "李四" })] })
      .then(() => null, (e: unknown) => e);
    expect(err).to.be.instanceOf(TransportError);
    expect(err).to.include({ code: "response_unverified" });
    expect((err as TransportError).refusal).to.deep.equal({ status: 401, code: "content_digest_mismatch" });
  });
});
