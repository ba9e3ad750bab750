import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import express from "express";
import type { CheckResult } from "../../../scripts/conformance/hub-checks.js";
import { runProvinceChecks } from "../../../scripts/conformance/province-checks.js";
import { buildTrustList, createSigner, generateKeyPair } from "../../../server/certificates/index.js";
import type { TrustListKey } from "../../../server/contracts/certificates.js";
import { generateNodeKey } from "../../../server/sharing/index.js";

/**
 * The province checks of the conformance kit about certificate keys (P02: the province's list has a
 * key in force now; P05: the hub's national list carries every key the province still signs with),
 * each run against a province or hub wrong in exactly the way the check exists to catch.
 */

const HOUR_MS = 3_600_000;
const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

function listen(app: express.Express): Promise<{ url: string; server: Server }> {
  const server = createServer(app);
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }),
    ),
  );
}

/** A certificate key of 广东 dated `validFrom` to `validTo`. */
function aKey(kid: string, validFrom: string, validTo: string | null): TrustListKey {
  return {
    provinceCode: "440000",
    kid,
    suite: "ed25519",
    publicKey: generateKeyPair("ed25519").publicKey,
    validFrom,
    validTo,
  };
}

/**
 * A province serving its identity (a wrong key id with `brokenIdentity`), one trust anchor and a
 * trust list of `keys` signed by that anchor. It serves no status list (P03 is not asked here).
 */
function aProvince(keys: TrustListKey[], options: { brokenIdentity?: boolean } = {}) {
  const nodeKey = generateNodeKey();
  const anchorPair = generateKeyPair("ed25519");
  const trustList = buildTrustList(
    { issuer: "province:440000", keys, now: new Date(), validForSeconds: 86_400, refreshSeconds: 3600 },
    { kid: "anchor-1", signer: createSigner(anchorPair) },
  );
  const app = express();
  app.get("/api/sharing/identity", (_req, res) => {
    res.json({
      keyId: options.brokenIdentity ? "not-the-thumbprint" : nodeKey.keyId,
      publicKey: nodeKey.publicKeyX,
      alg: "ed25519",
      provinceCode: "440000",
    });
  });
  app.get("/api/certificates/trust-anchors", (_req, res) => {
    res.json({
      format: "roadcert-trust-anchors/1",
      anchors: [
        {
          name: "广东",
          kid: "anchor-1",
          suite: "ed25519",
          publicKey: anchorPair.publicKey,
          provinces: ["440000"],
        },
      ],
    });
  });
  app.get("/api/certificates/trust-list", (_req, res) => {
    res.json(trustList);
  });
  return listen(app);
}

/** A hub whose national trust list, signed with its key, carries `keys`. */
async function aHub(keys: TrustListKey[]) {
  const hubPair = generateKeyPair("ed25519");
  const list = buildTrustList(
    { issuer: "hub", keys, now: new Date(), validForSeconds: 86_400, refreshSeconds: 3600 },
    { kid: "hub-test", signer: createSigner(hubPair) },
  );
  const app = express();
  app.get("/api/hub/v1/trust-list", (_req, res) => {
    res.json(list);
  });
  return { ...(await listen(app)), publicKey: hubPair.publicKey };
}

/** Runs the province checks against a stub province (and hub), answering the result of each id. */
async function checks(
  province: { url: string; server: Server },
  hub?: { url: string; server: Server; publicKey: string },
): Promise<Map<string, CheckResult>> {
  try {
    const results = await runProvinceChecks({
      provinceUrl: province.url,
      ...(hub ? { hubUrl: hub.url, hubPublicKey: hub.publicKey } : {}),
    });
    return new Map(results.map((r) => [r.id, r]));
  } finally {
    province.server.close();
    hub?.server.close();
  }
}

describe("conformance kit: the province's certificate keys (P02, P05)", function () {
  this.timeout(30_000);

  it("when the province's only open key starts tomorrow, then P02 fails: no key is in force now", async () => {
    const result = (await checks(await aProvince([aKey("cert-next", at(24 * HOUR_MS), null)]))).get("P02");
    expect(result?.ok, result?.reason).to.equal(false);
    expect(result?.reason).to.match(/in force now/);
  });

  it("when the province's current key has a scheduled end and no open key, then P02 passes: a key is in force now", async () => {
    const result = (
      await checks(await aProvince([aKey("cert-now", at(-24 * HOUR_MS), at(24 * HOUR_MS))]))
    ).get("P02");
    expect(result?.ok, result?.reason).to.equal(true);
  });

  it("when P01 and P02 failed, then P05 fails instead of passing with no keys to compare", async () => {
    const province = await aProvince([aKey("cert-now", at(-24 * HOUR_MS), null)], { brokenIdentity: true });
    const results = await checks(province, await aHub([]));
    expect(results.get("P01")?.ok).to.equal(false);
    const p05 = results.get("P05");
    expect(p05?.ok, p05?.reason).to.equal(false);
    expect(p05?.reason).to.match(/P01|P02/);
  });

  it("when the hub lacks a key of the province that ends in the future, then P05 fails naming it", async () => {
    const open = aKey("cert-open", at(-48 * HOUR_MS), null);
    const ending = aKey("cert-ending", at(-24 * HOUR_MS), at(24 * HOUR_MS));
    const results = await checks(await aProvince([open, ending]), await aHub([open]));
    expect(results.get("P02")?.ok).to.equal(true);
    const p05 = results.get("P05");
    expect(p05?.ok, p05?.reason).to.equal(false);
    expect(p05?.reason).to.contain("cert-ending");
  });

  it("when the hub lacks only a key of the province that has already ended, then P05 passes", async () => {
    const open = aKey("cert-open", at(-48 * HOUR_MS), null);
    const ended = aKey("cert-ended", at(-96 * HOUR_MS), at(-48 * HOUR_MS));
    const p05 = (await checks(await aProvince([open, ended]), await aHub([open]))).get("P05");
    expect(p05?.ok, p05?.reason).to.equal(true);
  });
});
