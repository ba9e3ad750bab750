import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import express from "express";
import { runHubChecks } from "../../../scripts/conformance/hub-checks.js";
import { generateNodeKey } from "../../../server/sharing/index.js";
import { startTestHub, type TestHub } from "./support.js";

/**
 * A deliberately broken hub: it publishes a key and answers every collection request 200 with an
 * accepted result, signed by nobody, never checking a signature, a digest or a reason.
 */
function brokenStub(): Promise<{ url: string; server: Server }> {
  const app = express();
  app.use(express.json({ limit: "5mb" }));
  app.get("/api/hub/v1/identity", (_req, res) => {
    res.json({ keyId: "stub", publicKey: generateNodeKey().publicKeyX, alg: "ed25519" });
  });
  app.post("/api/hub/v1/collection/records", (req, res) => {
    const records = (req.body as { records: unknown[] }).records;
    res.json({ results: records.map((_r, index) => ({ index, outcome: "accepted", reasons: [] })) });
  });
  app.post("/api/hub/v1/catalog/lookups", (_req, res) => {
    res.json({ matches: [] });
  });
  const server = createServer(app);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

describe("conformance kit", () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => {
    await hub.node.stop();
  });

  it("when run against our hub with a registered province key, then every requirement passes", async () => {
    const key = generateNodeKey();
    await hub.registry.register({ provinceCode: "440000", name: "广东", nodeKey: key.publicKeyX, certificateKeys: [] });
    const results = await runHubChecks({ hubUrl: hub.node.url, provinceCode: "440000", key });
    expect(results.filter((r) => !r.ok).map((r) => `${r.id}: ${r.reason}`)).to.deep.equal([]);
    expect(results.length).to.be.greaterThan(14);
  });

  it("when run against a broken stub, then it fails and names each broken requirement with its reason", async () => {
    const stub = await brokenStub();
    try {
      const results = await runHubChecks({ hubUrl: stub.url, provinceCode: "440000", key: generateNodeKey() });
      const failed = new Map(results.filter((r) => !r.ok).map((r) => [r.id, r.reason]));
      expect(failed.get("C01")).to.match(/signature does not verify/);
      expect(failed.get("S02")).to.match(/answered 200/);
      expect(failed.get("S03")).to.match(/answered 200/);
      expect(failed.get("C05")).to.match(/answered 200/);
      expect(failed.get("L01")).to.match(/answered 200/);
      expect(results.find((r) => r.id === "H01")?.ok).to.equal(true);
    } finally {
      stub.server.close();
    }
  });
});
