import { request as httpRequest } from "node:http";
import { expect } from "chai";
import { createMessageLog, signRequest, type NodeKey } from "../../../server/sharing/index.js";
import { signWithNonce } from "../../../scripts/conformance/kit.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aNewIdNumber, aRegisteredProvince, startTestHub, type TestHub } from "./support.js";

const LOOKUPS = "/api/hub/v1/catalog/lookups";

/**
 * Sends the exact signed bytes to the hub listening at `hubUrl`, naming `host` in the Host header:
 * what a relay does with a request it received (fetch would not let the Host be chosen).
 */
function deliver(hubUrl: string, host: string, headers: Record<string, string>, body: string) {
  const target = new URL(`${hubUrl}${LOOKUPS}`);
  return new Promise<{ status: number; body: { error?: { code?: string } } }>((resolve, reject) => {
    const req = httpRequest(
      target,
      { method: "POST", headers: { ...headers, host, "content-type": "application/json" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { error?: { code?: string } } }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const lookupBody = (caseReference: string) =>
  JSON.stringify({
    query: { by: "id_number", idNumber: aNewIdNumber() },
    officerId: "js-officer-1",
    reason: "enforcement",
    caseReference,
  });

describe("hub transport: a signed request is carried out only by the node it was addressed to", () => {
  const provinceDb = useTestDatabase("prov_aud");

  describe("a hub with no PUBLIC_URL (its listening address)", () => {
    let hub: TestHub;
    let jiangsu: { key: NodeKey };
    before(async () => {
      hub = await startTestHub();
      jiangsu = await aRegisteredProvince(hub, "320000", provinceDb.conn);
    });
    after(async () => {
      await hub.node.stop();
    });
    const lookups = () => hub.node.ctx.conn.collection("hub_lookups").countDocuments();

    it("when a request signed for another hub's address is replayed to this hub, then it is refused wrong_audience and nothing is carried out", async () => {
      const body = lookupBody("苏交执 2026-7");
      // What 320000 sent to other-hub.example (a conformance run, a staging hub), relayed byte for byte.
      const { headers } = signRequest(jiangsu.key, {
        method: "POST",
        url: `http://other-hub.example${LOOKUPS}`,
        body,
      });
      const before = await lookups();
      const res = await deliver(hub.node.url, "other-hub.example", headers, body);
      expect(res.status).to.equal(401);
      expect(res.body.error?.code).to.equal("wrong_audience");
      expect(await lookups()).to.equal(before);
      const [entry] = await createMessageLog(hub.node.ctx.conn).list({ limit: 1 });
      expect(entry).to.include({ outcome: "refused", code: "wrong_audience", target: LOOKUPS });
    });

    it("when a misdirected request is refused, then its nonce stays free: the same nonce addressed to this hub is carried out", async () => {
      const body = lookupBody("苏交执 2026-8");
      const nonce = "aud-nonce-0123456789abcdef";
      const misdirected = signWithNonce(
        jiangsu.key,
        { method: "POST", url: `http://other-hub.example${LOOKUPS}`, body },
        nonce,
      );
      expect((await deliver(hub.node.url, "other-hub.example", misdirected, body)).status).to.equal(401);
      const own = signWithNonce(
        jiangsu.key,
        { method: "POST", url: `${hub.node.url}${LOOKUPS}`, body },
        nonce,
      );
      const before = await lookups();
      const res = await deliver(hub.node.url, new URL(hub.node.url).host, own, body);
      expect(res.status).to.equal(200);
      expect(await lookups()).to.equal(before + 1);
    });
  });

  describe("a hub with PUBLIC_URL=HTTP://Hub.Example:80/", () => {
    let hub: TestHub;
    let jiangsu: { key: NodeKey };
    before(async () => {
      hub = await startTestHub({ PUBLIC_URL: "HTTP://Hub.Example:80/" });
      jiangsu = await aRegisteredProvince(hub, "320000", provinceDb.conn);
    });
    after(async () => {
      await hub.node.stop();
    });

    it("when a request is signed for the public address (other case, default port left out), then it is carried out", async () => {
      const body = lookupBody("苏交执 2026-9");
      const { headers } = signRequest(jiangsu.key, {
        method: "POST",
        url: `http://hub.example${LOOKUPS}`,
        body,
      });
      const res = await deliver(hub.node.url, "hub.example", headers, body);
      expect(res.status).to.equal(200);
    });

    it("when a request is signed for the hub's listening address instead of its public one, then it is refused wrong_audience", async () => {
      const body = lookupBody("苏交执 2026-10");
      const { headers } = signRequest(jiangsu.key, {
        method: "POST",
        url: `${hub.node.url}${LOOKUPS}`,
        body,
      });
      const res = await deliver(hub.node.url, new URL(hub.node.url).host, headers, body);
      expect(res.status).to.equal(401);
      expect(res.body.error?.code).to.equal("wrong_audience");
    });
  });
});
