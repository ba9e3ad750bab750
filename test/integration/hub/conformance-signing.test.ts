import { expect } from "chai";
import { runHubChecks, type CheckResult } from "../../../scripts/conformance/hub-checks.js";
import type { NodeKey } from "../../../server/sharing/index.js";
import { aPortToRestartOn } from "../../helpers/ports.js";
import { aMisbehavingHub, type Rewrite } from "./misbehaving-hub.js";
import { aRegisteredProvince, startTestHub, type TestHub } from "./support.js";

/**
 * The kit's checks of the signing profile's limits (S08–S13), of which refusals are signed (S01–S07)
 * and of the served documents (D01), each against our hub made loose in the one way the check
 * exists to catch (a proxy in front of it, misbehaving-hub.ts), then against our hub as it is.
 */
describe("conformance kit: the signing profile's limits, signed and unsigned refusals, the documents", function () {
  this.timeout(120_000);
  let hub: TestHub;
  let key: NodeKey;
  let proxyPort: number;

  before(async () => {
    proxyPort = await aPortToRestartOn();
    hub = await startTestHub({ PUBLIC_URL: `http://127.0.0.1:${proxyPort}` });
    ({ key } = await aRegisteredProvince(hub, "440000", hub.node.ctx.conn));
  });
  after(async () => {
    await hub.node.stop();
  });

  async function runVia(rewrite: Rewrite): Promise<Map<string, CheckResult>> {
    const proxy = await aMisbehavingHub(hub, rewrite, proxyPort);
    try {
      const results = await runHubChecks({ hubUrl: proxy.url, provinceCode: "440000", key });
      return new Map(results.map((r) => [r.id, r]));
    } finally {
      await proxy.close();
    }
  }
  const codeOf = (text: string) => {
    try {
      return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
    } catch {
      return undefined;
    }
  };
  const failed = (results: Map<string, CheckResult>) => [...results.values()].filter((r) => !r.ok).map((r) => r.id).sort();
  const PROFILE_CHECKS = ["S08", "S09", "S10", "S11", "S12", "S13"];

  it("when the hub checks nothing of the profile but the signature (it carries out what the profile refuses), then S08–S13 fail, each answered 200", async () => {
    const loose = new Set(["signature_components_missing", "signature_params_missing", "clock_skew", "signature_alg_unsupported", "signature_invalid"]);
    const results = await runVia((req, up) =>
      up.status === 401 && loose.has(codeOf(up.text) ?? "") && req.method === "GET"
        ? { status: 200, body: { changes: [], nextCursor: 0, hasMore: false } }
        : up.status === 401 && loose.has(codeOf(up.text) ?? "")
          ? { status: 200, body: { receiptId: "loose", results: [] } }
          : undefined,
    );
    for (const id of PROFILE_CHECKS) {
      expect(results.get(id)?.ok, id).to.equal(false);
      expect(results.get(id)?.reason, id).to.match(/answered 200/);
    }
  });

  it("when the hub signs its refusals of requests whose signature it never verified, then S02, S04, S05 and S08–S13 fail naming the signature", async () => {
    const results = await runVia((_req, up) => {
      const code = codeOf(up.text);
      // The same refusal, signed and bound to the request (signature_missing has nothing to bind to).
      return up.status === 401 && code && code !== "signature_missing" && code !== "wrong_audience" && code !== "nonce_reused"
        ? { status: 401, body: JSON.parse(up.text) as unknown }
        : undefined;
    });
    for (const id of ["S02", "S04", "S05", ...PROFILE_CHECKS]) {
      expect(results.get(id)?.ok, id).to.equal(false);
      expect(results.get(id)?.reason, id).to.match(/is signed; the documents say it is not/);
    }
  });

  it("when the hub answers a replay or a misdirected request unsigned, then S01 and S07 fail: the documents say those answers are signed", async () => {
    const seen = new Set<string>();
    const results = await runVia((req, up) => {
      if (req.method === "POST" && req.path === "/api/hub/v1/collection/records" && up.status === 200) {
        if (seen.has(req.body)) return { status: 200, body: JSON.parse(up.text) as unknown, unsigned: true };
        seen.add(req.body);
      }
      return up.status === 401 && codeOf(up.text) === "wrong_audience" ? { status: 401, body: JSON.parse(up.text) as unknown, unsigned: true } : undefined;
    });
    expect(results.get("S01")?.reason).to.match(/signature does not verify/);
    expect(results.get("S07")?.reason).to.match(/signature does not verify/);
    expect(failed(results)).to.deep.equal(["S01", "S07"]);
  });

  it("when a served document lists an operation the hub has not got, or a signed operation without its signature headers, then D01 fails naming it", async () => {
    const altered = (up: { text: string }, change: (doc: { paths: Record<string, Record<string, { parameters?: { name: string }[] }>> }) => void) => {
      const doc = JSON.parse(up.text) as { paths: Record<string, Record<string, { parameters?: { name: string }[] }>> };
      change(doc);
      return { status: 200, body: doc, unsigned: true };
    };
    const missing = await runVia((req, up) =>
      req.path === "/api/hub/v1/openapi/catalog.json"
        ? altered(up, (doc) => {
            // Declared signed like the change feed, so the kit asks it signed and the gate lets it through.
            doc.paths["/catalog/nowhere"] = { get: { ...doc.paths["/catalog/changes"]!.get! } };
          })
        : undefined,
    );
    expect(missing.get("D01")?.reason).to.match(/GET \/catalog\/nowhere is not there/);
    const bare = await runVia((req, up) =>
      req.path === "/api/hub/v1/openapi/collection.json"
        ? altered(up, (doc) => {
            const op = doc.paths["/collection/records"]!.post!;
            op.parameters = op.parameters?.filter((p) => p.name !== "Content-Digest");
          })
        : undefined,
    );
    expect(bare.get("D01")?.reason).to.match(/POST \/collection\/records does not declare Content-Digest/);
  });

  it("when the hub is as it is, then every one of these checks passes through the same proxy", async () => {
    const results = await runVia(() => undefined);
    expect(failed(results)).to.deep.equal([]);
    for (const id of ["S01", "S02", "S04", "S05", "S07", ...PROFILE_CHECKS, "D01"]) expect(results.get(id)?.ok, id).to.equal(true);
    expect(results.get("D01")?.reason).to.match(/^2\d documented operations present$/);
  });
});
