import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { expect } from "chai";
import express from "express";
import { runHubChecks, type CheckResult } from "../../../scripts/conformance/hub-checks.js";
import { runProvinceChecks } from "../../../scripts/conformance/province-checks.js";
import {
  buildStatusList,
  buildTrustList,
  createSigner,
  emptyStatusBits,
  generateKeyPair,
  signDocument,
} from "../../../server/certificates/index.js";
import type { SignedDocument, StatusListBody } from "../../../server/contracts/certificates.js";
import { generateNodeKey } from "../../../server/sharing/index.js";

/**
 * Checks of the conformance kit that could not fail: each is run against an implementation that
 * is wrong in exactly the way the check exists to catch (the kit's run against our own hub and
 * province, where every check passes, is conformance.test.ts).
 */

function listen(app: express.Express): Promise<{ url: string; server: Server }> {
  const server = createServer(app);
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }),
    ),
  );
}

/** Runs the hub checks against a stub built by `routes`, and answers the result of check `id`. */
async function hubCheck(id: string, routes: (app: express.Express) => void): Promise<CheckResult> {
  const app = express();
  app.use(express.json({ limit: "5mb" }));
  app.get("/api/hub/v1/identity", (_req, res) => {
    res.json({ keyId: "stub", publicKey: generateNodeKey().publicKeyX, alg: "ed25519" });
  });
  routes(app);
  const stub = await listen(app);
  try {
    const result = (
      await runHubChecks({ hubUrl: stub.url, provinceCode: "440000", key: generateNodeKey() })
    ).find((r) => r.id === id);
    if (!result) throw new Error(`no check ${id}`);
    return result;
  } finally {
    stub.server.close();
  }
}

type LookupRequest = { query: { idNumber: string }; reason: string };

/** A lookup answer in the published shape for the practitioner asked about, with `view` on top. */
function anAnswer(body: LookupRequest, view: Record<string, unknown>) {
  return {
    lookupId: randomUUID(),
    reason: body.reason,
    matches: [
      {
        idNumber: body.query.idNumber,
        name: "测试",
        homeProvince: "440000",
        categories: ["02001"],
        certificateNumber: null,
        certificateStatus: null,
        validTo: null,
        version: 1,
        recordHash: "a".repeat(64),
        updatedAt: new Date().toISOString(),
        masked: ["idNumber", "name"],
        ...view,
      },
    ],
  };
}

describe("conformance kit: checks that must be able to fail", () => {
  describe("L03 (an employer check masks the ID number and name)", () => {
    it("when a hub masks the ID number but sends the full name with its characters escaped, then L03 fails naming the name", async () => {
      const result = await hubCheck("L03", (app) =>
        app.post("/api/hub/v1/catalog/lookups", (req, res) => {
          const body = req.body as LookupRequest;
          const text = JSON.stringify(
            anAnswer(body, {
              idNumber: `${body.query.idNumber.slice(0, 4)}**********${body.query.idNumber.slice(14)}`,
            }),
          );
          // "测试" as \u6d4b\u8bd5: the same JSON, with no Chinese character in its bytes.
          res
            .type("json")
            .send(
              text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
            );
        }),
      );
      expect(result.ok).to.equal(false);
      expect(result.reason).to.match(/name is not masked/);
    });

    it("when a hub finds nobody for an employer check, then L03 fails: there is nothing it masked", async () => {
      const result = await hubCheck("L03", (app) =>
        app.post("/api/hub/v1/catalog/lookups", (req, res) => {
          res.json({ lookupId: randomUUID(), reason: (req.body as LookupRequest).reason, matches: [] });
        }),
      );
      expect(result.ok).to.equal(false);
      expect(result.reason).to.match(/expected one match, got 0/);
    });

    it("when a hub masks both values but does not say so in `masked`, then L03 fails", async () => {
      const result = await hubCheck("L03", (app) =>
        app.post("/api/hub/v1/catalog/lookups", (req, res) => {
          const body = req.body as LookupRequest;
          res.json(
            anAnswer(body, {
              idNumber: `${body.query.idNumber.slice(0, 4)}**********${body.query.idNumber.slice(14)}`,
              name: "测*",
              masked: [],
            }),
          );
        }),
      );
      expect(result.ok).to.equal(false);
      expect(result.reason).to.match(/masked does not list/);
    });
  });

  describe("redirects", () => {
    it("when a hub redirects a signed batch elsewhere, then the kit does not follow it (the request was signed for the hub) and C01 fails", async () => {
      const elsewhere = { hits: 0 };
      const other = express();
      other.use((_req, res) => {
        elsewhere.hits += 1;
        res.json({});
      });
      const target = await listen(other);
      try {
        const result = await hubCheck("C01", (app) =>
          app.post("/api/hub/v1/collection/records", (_req, res) => {
            res.redirect(307, `${target.url}/api/hub/v1/collection/records`);
          }),
        );
        expect(result.ok).to.equal(false);
        expect(elsewhere.hits).to.equal(0);
      } finally {
        target.server.close();
      }
    });
  });

  describe("S01 (a replayed request gets the original answer again)", () => {
    it("when a hub refuses a batch and refuses its replay the same way, then S01 fails: the original was no answer to replay", async () => {
      const result = await hubCheck("S01", (app) =>
        app.post("/api/hub/v1/collection/records", (_req, res) => {
          res.status(401).json({ error: { code: "signature_invalid", message: "签名无效" } });
        }),
      );
      expect(result.ok).to.equal(false);
      expect(result.reason).to.match(/the original request answered 401/);
    });

    it("when a hub answers the batch and its replay with the same body that is no receipt, then S01 fails", async () => {
      const result = await hubCheck("S01", (app) =>
        app.post("/api/hub/v1/collection/records", (_req, res) => {
          res.json({ ok: true });
        }),
      );
      expect(result.ok).to.equal(false);
      expect(result.reason).to.match(/receipt/);
    });

    it("when a hub answers the replay with a new receipt (a second effect), then S01 fails naming both receipt ids", async () => {
      const result = await hubCheck("S01", (app) =>
        app.post("/api/hub/v1/collection/records", (req, res) => {
          const body = req.body as { batchId: string; records: { recordId: string }[] };
          res.json({
            receiptId: randomUUID(),
            batchId: body.batchId,
            sourceProvince: "440000",
            receivedAt: new Date().toISOString(),
            results: body.records.map((r, index) => ({
              index,
              recordId: r.recordId,
              version: 3,
              outcome: "accepted",
              reasons: [],
              hubSeq: 1,
              recordHash: null,
            })),
          });
        }),
      );
      expect(result.ok).to.equal(false);
      expect(result.reason).to.match(/replay answered receipt .+, the original .+/);
    });
  });

  describe("P03 (the status list verifies and covers at least 131,072 entries)", () => {
    /**
     * A province serving a valid identity, trust anchor and trust list, and the status list that
     * `statusList` builds with its certificate key (on the trust list) or a key that is not.
     */
    async function aProvince(
      statusList: (keys: { listed: Key; unlisted: Key }) => SignedDocument,
      listedValidTo: string | null = null,
    ) {
      const nodeKey = generateNodeKey();
      const anchorPair = generateKeyPair("ed25519");
      const listedPair = generateKeyPair("ed25519");
      const keys = {
        listed: { kid: "cert-1", signer: createSigner(listedPair) },
        unlisted: { kid: "cert-1", signer: createSigner(generateKeyPair("ed25519")) },
      };
      const trustList = buildTrustList(
        {
          issuer: "province:440000",
          keys: [
            {
              provinceCode: "440000",
              kid: "cert-1",
              suite: "ed25519",
              publicKey: listedPair.publicKey,
              validFrom: "2020-01-01",
              validTo: listedValidTo,
            },
            // Its current key (a province with only retired keys fails P02 before P03 is asked).
            {
              provinceCode: "440000",
              kid: "cert-2",
              suite: "ed25519",
              publicKey: generateKeyPair("ed25519").publicKey,
              validFrom: "2020-01-01",
              validTo: null,
            },
          ],
          now: new Date(),
          validForSeconds: 86_400,
          refreshSeconds: 3600,
        },
        { kid: "anchor-1", signer: createSigner(anchorPair) },
      );
      const app = express();
      app.get("/api/sharing/identity", (_req, res) => {
        res.json({
          keyId: nodeKey.keyId,
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
      app.get("/api/certificates/status-list", (_req, res) => {
        res.set("cache-control", "public, max-age=60").json(statusList(keys));
      });
      return listen(app);
    }
    type Key = { kid: string; signer: ReturnType<typeof createSigner> };

    /** A list signed by `key` whose bitstring is `bytes` zero bytes (`padding` after its encoding). */
    function aList(key: Key, bytes: number, padding = ""): SignedDocument {
      const good = buildStatusList(
        { provinceCode: "440000", bits: emptyStatusBits(), now: new Date(), validForSeconds: 3600 },
        key,
      );
      const body = JSON.parse(Buffer.from(good.payload, "base64url").toString("utf8")) as StatusListBody;
      return signDocument(
        { ...body, encodedList: `u${gzipSync(new Uint8Array(bytes)).toString("base64url")}${padding}` },
        key,
      );
    }

    async function p03(
      statusList: (keys: { listed: Key; unlisted: Key }) => SignedDocument,
      listedValidTo: string | null = null,
    ): Promise<CheckResult> {
      const province = await aProvince(statusList, listedValidTo);
      try {
        const results = await runProvinceChecks({ provinceUrl: province.url });
        expect(results.filter((r) => ["P01", "P02"].includes(r.id) && !r.ok)).to.deep.equal([]);
        return results.find((r) => r.id === "P03")!;
      } finally {
        province.server.close();
      }
    }

    it("when a province's validly signed list holds fewer than 131,072 entries, then P03 fails naming the size, not the signature", async () => {
      const result = await p03(({ listed }) => aList(listed, 1000));
      expect(result.ok).to.equal(false);
      expect(result.reason)
        .to.match(/4000 entries/)
        .and.not.match(/verify/);
    });

    it("when a province's list holds more entries than the minimum, then P03 passes (the minimum is not a size)", async () => {
      const result = await p03(({ listed }) => aList(listed, 65_536));
      expect(result, result.reason).to.include({ ok: true });
      expect(result.reason).to.match(/262144 entries/);
    });

    it("when a province's list carries '=' padding after its base64url, then P03 fails naming the encoding, as the hub and every node refuse it", async () => {
      const result = await p03(({ listed }) => aList(listed, 32_768, "=="));
      expect(result.ok).to.equal(false);
      expect(result.reason).to.match(/not multibase base64url/);
    });

    it("when a province's list is signed by a key its trust list says was retired before the list's date, then P03 fails naming the retired key", async () => {
      const result = await p03(({ listed }) => aList(listed, 32_768), "2024-01-01T00:00:00.000Z");
      expect(result.ok).to.equal(false);
      expect(result.reason).to.match(/after its signing key cert-1 was retired/);
    });

    it("when a province's list is signed by a key not on its trust list, then P03 fails naming the signature", async () => {
      const result = await p03(({ unlisted }) => aList(unlisted, 32_768));
      expect(result.ok).to.equal(false);
      expect(result.reason).to.match(/signature does not verify/);
    });
  });
});
