import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { SignatureSuite, TrustAnchor, TrustListKey } from "../../../server/contracts/certificates.js";
import {
  buildTrustList,
  createSigner,
  generateKeyPair,
  keyIdOf,
  loadTrustList,
  sealClaims,
  type LoadedTrustList,
  type SealingKey,
} from "../../../server/certificates/index.js";

/** A province key with its sealing key and its trust-list entry. */
export function aProvinceKey(
  suite: SignatureSuite,
  provinceCode = "320000",
  validFrom = "2020-01-01T00:00:00.000Z",
) {
  const pair = generateKeyPair(suite);
  const kid = keyIdOf(suite, pair.publicKey);
  const sealing: SealingKey = { kid, signer: createSigner(pair) };
  const entry: TrustListKey = {
    provinceCode,
    kid,
    suite,
    publicKey: pair.publicKey,
    validFrom,
    validTo: null,
  };
  return { pair, kid, sealing, entry };
}

/** An anchor and a verified trust list holding `keys`. */
export function aTrustList(
  keys: TrustListKey[],
  opts: {
    now?: Date;
    validForSeconds?: number;
    refreshSeconds?: number;
    provinces?: TrustAnchor["provinces"];
  } = {},
): { list: LoadedTrustList; anchor: TrustAnchor; file: unknown } {
  const pair = generateKeyPair("ed25519");
  const anchor: TrustAnchor = {
    name: "test anchor",
    kid: keyIdOf("ed25519", pair.publicKey),
    suite: "ed25519",
    publicKey: pair.publicKey,
    provinces: opts.provinces ?? "*",
  };
  const file = buildTrustList(
    {
      issuer: "test",
      keys,
      now: opts.now ?? new Date(),
      validForSeconds: opts.validForSeconds ?? 7 * 86_400,
      refreshSeconds: opts.refreshSeconds ?? 86_400,
    },
    { kid: anchor.kid, signer: createSigner(pair) },
  );
  const loaded = loadTrustList(file, [anchor]);
  if (!loaded.ok) throw new Error(loaded.reason);
  return { list: loaded.list, anchor, file };
}

export const sampleClaims = {
  provinceCode: "320000",
  certificateNo: "32010219900101123X",
  version: 1,
  name: "张三",
  categories: ["01001", "02001"],
  validFrom: "2026-01-01",
  validTo: "2031-12-31",
  issuedAt: "2026-01-01T02:00:00.000Z",
  statusIndex: 4242,
  chainHash: "ab".repeat(32),
};

export const sealSample = (key: SealingKey, over: Partial<typeof sampleClaims> = {}) =>
  sealClaims({ ...sampleClaims, ...over }, key);

/**
 * 江苏's list-signing anchor (a fresh key each call) and the trust lists it signs: issued by
 * province:320000, valid a week, refreshed daily, generated at `now`.
 */
export function aJiangsuAnchor() {
  const pair = generateKeyPair("ed25519");
  const anchor: TrustAnchor = {
    name: "江苏",
    kid: keyIdOf("ed25519", pair.publicKey),
    suite: "ed25519",
    publicKey: pair.publicKey,
    provinces: ["320000"],
  };
  const signer = { kid: anchor.kid, signer: createSigner(pair) };
  return {
    anchor,
    signTrustList: (keys: TrustListKey[], now: Date) =>
      buildTrustList(
        { issuer: "province:320000", keys, now, validForSeconds: 7 * 86_400, refreshSeconds: 86_400 },
        signer,
      ),
  };
}

/**
 * A fake peer or hub on a local port: serves whatever `docs` holds at each path (404 otherwise) and
 * records the paths asked for. Close `server` after the test.
 */
export async function aFakePeer(
  docs: Map<string, unknown>,
): Promise<{ server: Server; url: string; asked: string[] }> {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    asked.push(req.url ?? "");
    const doc = docs.get(req.url ?? "");
    res.writeHead(doc === undefined ? 404 : 200, { "content-type": "application/json" });
    res.end(JSON.stringify(doc ?? { error: "not found" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, asked, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
