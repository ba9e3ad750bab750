import base45 from "base45";
import { Tagged, encode, rfc8949EncodeOptions } from "cborg";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { COSE_ALG } from "../../../server/certificates/crypto/suites.js";
import type { ListMarks } from "../../../server/certificates/list-marks.js";
import type { SignatureSuite, TrustAnchor, TrustListKey } from "../../../server/contracts/certificates.js";
import {
  buildStatusList,
  buildTrustList,
  createSigner,
  emptyStatusBits,
  generateKeyPair,
  keyIdOf,
  loadStatusList,
  loadTrustList,
  sealClaims,
  setStatusBits,
  verifyQrText,
  type LoadedStatusList,
  type LoadedTrustList,
  type SealingKey,
} from "../../../server/certificates/index.js";

/**
 * Newest-list marks kept in a map, raised as the database's are (never lowered), for unit tests of
 * remote-lists.ts; the database side is test/integration/certificates/list-marks.test.ts.
 */
export function memoryListMarks(): ListMarks {
  const stored = new Map<string, number>();
  return {
    read: (kind, source) => Promise.resolve(stored.get(`${kind}:${source}`) ?? null),
    raise: (kind, source, at) => {
      const id = `${kind}:${source}`;
      stored.set(id, Math.max(stored.get(id) ?? -Infinity, at.getTime()));
      return Promise.resolve();
    },
  };
}

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

/** A list-signing anchor (a fresh ed25519 key) named `name` for `provinces`, and its signer. */
export function anAnchor(name: string, provinces: TrustAnchor["provinces"]) {
  const pair = generateKeyPair("ed25519");
  const anchor: TrustAnchor = {
    name,
    kid: keyIdOf("ed25519", pair.publicKey),
    suite: "ed25519",
    publicKey: pair.publicKey,
    provinces,
  };
  const signer: SealingKey = { kid: anchor.kid, signer: createSigner(pair) };
  return { anchor, pair, signer };
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
  const { anchor, signer } = anAnchor("test anchor", opts.provinces ?? "*");
  const file = buildTrustList(
    {
      issuer: "test",
      keys,
      now: opts.now ?? new Date(),
      validForSeconds: opts.validForSeconds ?? 7 * 86_400,
      refreshSeconds: opts.refreshSeconds ?? 86_400,
    },
    signer,
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
 * QR text a forger (or a buggy issuer elsewhere) could sign with `key`: the sample's claims laid out
 * as `sealClaims` does (COSE_Sign1, RFC 8949 deterministic CBOR, Base45 behind `RC1:`), with the
 * `YYYYMMDD` date integers given as is. `sealClaims` refuses impossible dates, so a verifier's
 * refusal of them is tested with this.
 */
export function forgeSealed(key: SealingKey, dates: { vf?: number; vt?: number }): string {
  const c = sampleClaims;
  const dateInt = (d: string) => Number(d.replaceAll("-", ""));
  const payload = encode(
    {
      v: 1,
      s: key.signer.suite,
      p: c.provinceCode,
      n: c.certificateNo,
      r: c.version,
      nm: c.name,
      c: c.categories,
      vf: dates.vf ?? dateInt(c.validFrom),
      vt: dates.vt ?? dateInt(c.validTo),
      it: Math.floor(Date.parse(c.issuedAt) / 1000),
      si: c.statusIndex,
      h: Buffer.from(c.chainHash, "hex"),
    },
    rfc8949EncodeOptions,
  );
  const protectedBytes = encode(
    new Map<number, unknown>([
      [1, COSE_ALG[key.signer.suite]],
      [4, Buffer.from(key.kid, "base64url")],
    ]),
    rfc8949EncodeOptions,
  );
  const signed = encode(["Signature1", protectedBytes, new Uint8Array(0), payload], rfc8949EncodeOptions);
  const signature = key.signer.sign(signed);
  const cose = encode(new Tagged(18, [protectedBytes, new Map(), payload, signature]), rfc8949EncodeOptions);
  return `RC1:${base45.encode(Buffer.from(cose))}`;
}

/**
 * 江苏's list-signing anchor (a fresh key each call) and the trust lists it signs: issued by
 * province:320000, valid a week, refreshed daily, generated at `now`.
 */
export function aJiangsuAnchor() {
  const { anchor, signer } = anAnchor("江苏", ["320000"]);
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

/**
 * 江苏's key on a trust list made at `now`, the sample certificate sealed with it, and that
 * province's status lists: what an offline verifier holds. `statusList` makes one at
 * `generatedAt`, valid `validForSeconds`, with the sample's entry as `state`; `verify` checks the
 * sample's QR against it (at `now` unless told, in `timeZone`).
 */
export function anOfflineVerifier(now: Date) {
  const key = aProvinceKey("ed25519", "320000");
  const { list } = aTrustList([key.entry], { now });
  const qr = sealSample(key.sealing);
  function statusList(
    generatedAt: Date,
    { state = "valid", validForSeconds }: { state?: "valid" | "revoked"; validForSeconds: number },
  ): LoadedStatusList {
    const bits = emptyStatusBits();
    setStatusBits(bits, sampleClaims.statusIndex, state);
    const file = buildStatusList(
      { provinceCode: "320000", bits, now: generatedAt, validForSeconds },
      key.sealing,
    );
    const loaded = loadStatusList(file, list.body.keys);
    if (!loaded) throw new Error("test status list does not load");
    return loaded;
  }
  const verify = (status: LoadedStatusList | null, timeZone: string, at = now) =>
    verifyQrText(
      qr,
      { lists: [list], ...(status ? { statusLists: new Map([["320000", status]]) } : {}), timeZone },
      at,
    );
  return { key, list, qr, statusList, verify };
}

/**
 * A province as its node publishes itself to a peer (serve `docs` with aFakePeer): its anchor
 * (named `name`), a trust list of one province key made now, an empty status list made at
 * `statusListMadeAt` (now unless told), each valid a day; and the sample certificate's QR sealed
 * with that key.
 */
export function aPublishedProvince(
  provinceCode: string,
  {
    name = `province ${provinceCode} node`,
    statusListMadeAt,
  }: { name?: string; statusListMadeAt?: Date } = {},
) {
  const { anchor, signer } = anAnchor(name, [provinceCode]);
  const cert = aProvinceKey("ed25519", provinceCode);
  const now = new Date();
  const trustList = buildTrustList(
    {
      issuer: `province:${provinceCode}`,
      keys: [cert.entry],
      now,
      validForSeconds: 86_400,
      refreshSeconds: 3_600,
    },
    signer,
  );
  const statusList = buildStatusList(
    { provinceCode, bits: emptyStatusBits(), now: statusListMadeAt ?? now, validForSeconds: 86_400 },
    cert.sealing,
  );
  const docs = new Map<string, unknown>([
    ["/api/certificates/trust-anchors", { format: "roadcert-trust-anchors/1", anchors: [anchor] }],
    ["/api/certificates/trust-list", trustList],
    ["/api/certificates/status-list", statusList],
  ]);
  return { anchor, cert, docs, qr: sealSample(cert.sealing, { provinceCode }) };
}
