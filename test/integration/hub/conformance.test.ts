import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import express from "express";
import { runHubChecks } from "../../../scripts/conformance/hub-checks.js";
import { runProvinceChecks } from "../../../scripts/conformance/province-checks.js";
import { createMessageLog, createNodeClient, generateNodeKey, loadOrCreateNodeKey } from "../../../server/sharing/index.js";
import { aProvinceOfHub, startTestHub, type TestHub } from "./support.js";

const run = promisify(execFile);

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

/** A deliberately broken province: a key id that is not its key's, a trust list signed by nobody. */
function brokenProvince(): Promise<{ url: string; server: Server }> {
  const app = express();
  const key = generateNodeKey();
  app.get("/api/sharing/identity", (_req, res) => {
    res.json({ keyId: "not-the-thumbprint", publicKey: key.publicKeyX, alg: "ed25519", provinceCode: "440000" });
  });
  app.get("/api/certificates/trust-anchors", (_req, res) => {
    res.json({ format: "roadcert-trust-anchors/1", anchors: [] });
  });
  app.get("/api/certificates/trust-list", (_req, res) => {
    res.json({ format: "roadcert-signed/1", signer: { kid: "x", suite: "ed25519" }, payload: "e30", signature: "AA" });
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
      expect(failed.get("V02")).to.match(/after=0x10 answered 404/);
      expect(failed.get("V03")).to.match(/answered 200/);
      expect(failed.get("L01")).to.match(/answered 200/);
      expect(results.find((r) => r.id === "H01")?.ok).to.equal(true);
    } finally {
      stub.server.close();
    }
  });

  it("when run against our province node and its hub, then every province-side requirement passes", async () => {
    const province = await aProvinceOfHub(hub, "330000");
    try {
      // What the province's own pusher does on its timer (its first push came before the registration).
      const client = createNodeClient({ key: loadOrCreateNodeKey(province.nodeKeyDir), peer: hub.peer, log: createMessageLog(province.ctx.conn) });
      const list = await (await fetch(`${province.url}/api/certificates/status-list`)).json();
      expect((await client.call("POST", "/api/hub/v1/status-lists", list)).status).to.equal(200);
      const results = await runProvinceChecks({ provinceUrl: province.url, hubUrl: hub.node.url });
      expect(results.filter((r) => !r.ok).map((r) => `${r.id}: ${r.reason}`)).to.deep.equal([]);
      expect(results.map((r) => r.id)).to.deep.equal(["P01", "P02", "P03", "P04", "P05", "P06"]);
    } finally {
      await province.stop();
    }
  });

  it("when run against a broken province, then it fails and names each broken requirement with its reason", async () => {
    const stub = await brokenProvince();
    try {
      const failed = new Map((await runProvinceChecks({ provinceUrl: stub.url })).filter((r) => !r.ok).map((r) => [r.id, r.reason]));
      expect(failed.get("P01")).to.match(/thumbprint/);
      expect(failed.get("P02")).to.match(/trust list refused/);
      expect(failed.get("P03")).to.match(/answered 404/);
    } finally {
      stub.server.close();
    }
  });
  describe("as a command (npm run conformance)", function () {
    this.timeout(60_000);
    const conformance = (...args: string[]) =>
      run("node_modules/.bin/tsx", ["scripts/conformance.ts", ...args]).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (err: { code: number; stdout: string; stderr: string }) => err,
      );

    it("when it is given a registered key's PEM file, then every requirement passes and it exits 0", async () => {
      const key = generateNodeKey();
      await hub.registry.register({ provinceCode: "450000", name: "广西", nodeKey: key.publicKeyX, certificateKeys: [] });
      const dir = await mkdtemp(path.join(tmpdir(), "rc-conformance-"));
      const pem = path.join(dir, "node-ed25519.pem");
      await writeFile(pem, key.privateKey.export({ format: "pem", type: "pkcs8" }));
      // The --name=value form too: both are read.
      const out = await conformance(`--hub=${hub.node.url}`, "--as", "450000", "--key", pem);
      expect(out.code, out.stdout + out.stderr).to.equal(0);
      expect(out.stdout).to.match(/^(\d+)\/\1 requirements pass$/m);
    });

    it("when an option is misspelt, then it refuses with exit 2 instead of running fewer checks", async () => {
      const out = await conformance("--province", hub.node.url, "--hubb", hub.node.url);
      expect(out.code).to.equal(2);
      expect(out.stderr).to.contain("Unknown option '--hubb'").and.to.contain("usage: npm run conformance");
      expect(out.stdout).to.not.contain("requirements pass");
    });

    it("when the key file cannot be read or the province code is not one, then it says which and exits 2", async () => {
      const missing = await conformance("--hub", hub.node.url, "--as", "450000", "--key", "/nonexistent.pem");
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.contain("--key /nonexistent.pem: not a readable Ed25519 private key");
      expect(missing.stderr).to.not.match(/\n\s+at /);
      const code = await conformance("--hub", hub.node.url, "--as", "45", "--key", "/nonexistent.pem");
      expect(code.stderr).to.contain("--as 45: not a GB/T 2260 province code");
    });
  });
});
