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
