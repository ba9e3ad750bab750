import { sign } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import express from "express";
import { runProvinceChecks } from "../../../scripts/conformance/province-checks.js";
import {
  createMessageLog,
  createNodeClient,
  generateNodeKey,
  loadOrCreateNodeKey,
} from "../../../server/sharing/index.js";
import { aProvinceOfHub, startTestHub, type TestHub } from "./support.js";

type SignedDoc = { format: string; signer: { kid: string; suite: string }; payload: string; signature: string };

/**
 * A relay in front of the real hub that passes every GET through, but serves the hub's trust list
 * with its signature replaced by `tamper`'s: the payload (every key of the province, correctly
 * dated) stays the hub's, so only a check that verifies the signature can tell.
 */
function aRelayTampering(hubUrl: string, tamper: (doc: SignedDoc) => SignedDoc): Promise<{ url: string; server: Server }> {
  const app = express();
  app.get(/.*/, async (req, res) => {
    const upstream = await fetch(`${hubUrl}${req.originalUrl}`);
    const text = await upstream.text();
    if (req.path !== "/api/hub/v1/trust-list") return void res.status(upstream.status).type("application/json").send(text);
    res.json(tamper(JSON.parse(text) as SignedDoc));
  });
  const server = createServer(app);
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })),
  );
}

describe("conformance kit: P05 verifies the hub's trust list", () => {
  let hub: TestHub;
  let province: Awaited<ReturnType<typeof aProvinceOfHub>>;

  before(async () => {
    hub = await startTestHub();
    province = await aProvinceOfHub(hub, "330000");
    // What the province's own pusher does on its timer (its first push came before the registration).
    const client = createNodeClient({ key: loadOrCreateNodeKey(province.nodeKeyDir), peer: hub.peer, log: createMessageLog(province.ctx.conn) });
    const list = await (await fetch(`${province.url}/api/certificates/status-list`)).json();
    expect((await client.call("POST", "/api/hub/v1/status-lists", list)).status).to.equal(200);
  });
  after(async () => {
    await province.stop();
    await hub.node.stop();
  });

  async function p05Through(tamper: (doc: SignedDoc) => SignedDoc, hubPublicKey?: string) {
    const relay = await aRelayTampering(hub.node.url, tamper);
    try {
      const results = await runProvinceChecks({ provinceUrl: province.url, hubUrl: relay.url, hubPublicKey });
      return results.find((r) => r.id === "P05");
    } finally {
      relay.server.close();
    }
  }

  it("when the relay passes the hub's trust list through untouched, then P05 passes (the check can pass)", async () => {
    const p05 = await p05Through((doc) => doc);
    expect(p05?.ok, p05?.reason).to.equal(true);
  });

  it("when the hub's trust list carries a signature by another key, then P05 fails naming the refused signature", async () => {
    const other = generateNodeKey();
    const p05 = await p05Through((doc) => ({
      ...doc,
      signature: sign(null, Buffer.from(doc.payload, "base64url"), other.privateKey).toString("base64url"),
    }));
    expect(p05?.ok).to.equal(false);
    expect(p05?.reason).to.match(/refused with the hub's key/);
  });

  it("when the hub's trust list is signed by a key other than the pinned one, then P05 fails even though the list verifies with the key the relay serves", async () => {
    const p05 = await p05Through((doc) => doc, generateNodeKey().publicKeyX);
    expect(p05?.ok).to.equal(false);
    expect(p05?.reason).to.match(/refused with the hub's key/);
  });
});
