import base45 from "base45";
import { Tagged, decode, encode, rfc8949EncodeOptions } from "cborg";
import { expect } from "chai";
import {
  QR_PREFIX,
  buildStatusList,
  emptyStatusBits,
  loadStatusList,
  loadTrustList,
  openKeyStore,
  setStatusBits,
  verifyQrText,
} from "../../../server/certificates/index.js";
import type { SignatureSuite } from "../../../server/contracts/certificates.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync, inflateSync } from "node:zlib";
import { aProvinceKey, aTrustList, sampleClaims, sealSample } from "./trust-fixtures.js";
import { NODE_TIME_ZONE, OTHER_NODE_TIME_ZONE } from "../../helpers/time-zone.js";

const NOW = new Date("2026-06-01T00:00:00Z");

for (const suite of ["ed25519", "sm2-sm3"] as SignatureSuite[]) {
  describe(`offline verification of a ${suite} certificate QR`, () => {
    const jiangsu = aProvinceKey(suite, "320000");
    const { list } = aTrustList([jiangsu.entry], { now: NOW });
    const qr = sealSample(jiangsu.sealing);

    it("when the QR is verified against the trust list, then it is authentic and every field decodes", () => {
      const r = verifyQrText(qr, { lists: [list], timeZone: NODE_TIME_ZONE }, NOW);
      expect(r).to.deep.include({ ok: true, authentic: true, code: "valid" });
      expect(r.claims).to.deep.equal({ ...sampleClaims, suite, kid: jiangsu.kid });
      expect(r.trust?.state).to.equal("fresh");
      expect(qr.startsWith(QR_PREFIX)).to.equal(true);
    });

    it("when any single byte of the transported or of the signed COSE bytes is changed, then it never verifies", () => {
      const transported = base45.decode(qr.slice(QR_PREFIX.length));
      const compressed = transported[0] === 0x78;
      const cose = compressed ? inflateSync(transported) : transported;
      const codes = new Set<string>();
      for (const [bytes, wrap] of [
        [transported, (b: Buffer) => b],
        [cose, (b: Buffer) => (compressed ? deflateSync(b) : b)],
      ] as const) {
        for (let i = 0; i < bytes.length; i++) {
          const copy = Buffer.from(bytes);
          copy[i] = (copy[i] ?? 0) ^ 0x01;
          const r = verifyQrText(
            QR_PREFIX + base45.encode(wrap(copy)),
            { lists: [list], timeZone: NODE_TIME_ZONE },
            NOW,
          );
          expect(r.ok, `byte ${i}`).to.equal(false);
          expect(r.authentic, `byte ${i}`).to.equal(false);
          codes.add(r.code);
        }
      }
      expect([...codes]).to.satisfy((cs: string[]) =>
        cs.every((c) => ["signature_invalid", "malformed_payload", "unknown_issuer_key"].includes(c)),
      );
      expect(codes.has("signature_invalid")).to.equal(true);
    });

    it("when the signing key is not on the trust list, then the verdict is unknown_issuer_key", () => {
      const stranger = aProvinceKey(suite, "320000");
      expect(
        verifyQrText(sealSample(stranger.sealing), { lists: [list], timeZone: NODE_TIME_ZONE }, NOW).code,
      ).to.equal("unknown_issuer_key");
    });

    it("when a payload signed by one province claims another, then the verdict is issuer_mismatch", () => {
      const r = verifyQrText(
        sealSample(jiangsu.sealing, { provinceCode: "110000" }),
        { lists: [list], timeZone: NODE_TIME_ZONE },
        NOW,
      );
      expect(r).to.deep.include({ ok: false, code: "issuer_mismatch" });
    });

    it("when the trust list has expired, then the verdict refuses with trust_list_expired; when only stale, it is valid with a warning", () => {
      const expired = verifyQrText(
        qr,
        { lists: [list], timeZone: NODE_TIME_ZONE },
        new Date(NOW.getTime() + 8 * 86_400_000),
      );
      expect(expired).to.deep.include({ ok: false, authentic: false, code: "trust_list_expired" });
      const stale = verifyQrText(
        qr,
        { lists: [list], timeZone: NODE_TIME_ZONE },
        new Date(NOW.getTime() + 2 * 86_400_000),
      );
      expect(stale).to.deep.include({ ok: true, code: "valid" });
      expect(stale.trust?.state).to.equal("stale");
      expect(stale.warnings.join()).to.contain("信任列表");
    });

    it("when a peer's cached list holding the key has expired but the hub's current list holds it too, then the current list vouches and the certificate is valid", () => {
      const later = new Date(NOW.getTime() + 8 * 86_400_000);
      const peerCopy = list; // generated at NOW: expired by `later`
      const { list: national } = aTrustList([jiangsu.entry], { now: later });
      for (const lists of [
        [peerCopy, national],
        [national, peerCopy],
      ]) {
        const r = verifyQrText(qr, { lists, timeZone: NODE_TIME_ZONE }, later);
        expect(r).to.deep.include({ ok: true, authentic: true, code: "valid" });
        expect(r.trust).to.deep.include({ state: "fresh", generatedAt: later.toISOString() });
      }
      // Only when no current list vouches for the key is the answer trust_list_expired.
      const { list: otherProvinces } = aTrustList([aProvinceKey(suite, "110000").entry], { now: later });
      const r = verifyQrText(qr, { lists: [peerCopy, otherProvinces], timeZone: NODE_TIME_ZONE }, later);
      expect(r).to.deep.include({ ok: false, code: "trust_list_expired" });
    });

    it("when the certificate is revoked on the status list, then it is authentic, not ok, and shows revoked as of the list's time", () => {
      const bits = emptyStatusBits();
      setStatusBits(bits, sampleClaims.statusIndex, "revoked");
      const file = buildStatusList(
        { provinceCode: "320000", bits, now: NOW, validForSeconds: 3600 },
        jiangsu.sealing,
      );
      const status = loadStatusList(file, list.body.keys);
      expect(status).to.not.equal(null);
      const r = verifyQrText(
        qr,
        { lists: [list], statusLists: new Map([["320000", status!]]), timeZone: NODE_TIME_ZONE },
        NOW,
      );
      expect(r).to.deep.include({ ok: false, authentic: true, code: "status_not_valid" });
      expect(r.status).to.deep.equal({ state: "revoked", asOf: NOW.toISOString(), source: "status_list" });
    });
  });
}

describe("verification edge cases", () => {
  const key = aProvinceKey("ed25519", "320000");
  const { list } = aTrustList([key.entry], { now: NOW });

  it("when the input is garbage, truncated, wrongly prefixed or huge, then each gets a clear verdict and nothing throws", () => {
    const qr = sealSample(key.sealing);
    const cases: [string, string][] = [
      ["hello", "not_roadcert_certificate"],
      ["HC1:NCFOXN%TS3DH", "not_roadcert_certificate"],
      [qr.slice(0, 40), "malformed_payload"],
      [`${QR_PREFIX}:::::`, "malformed_payload"],
      [`${QR_PREFIX}GGW`, "malformed_payload"],
      [`${QR_PREFIX}${"A".repeat(5000)}`, "not_roadcert_certificate"],
      [`${QR_PREFIX}abc`, "malformed_payload"],
      ["", "not_roadcert_certificate"],
    ];
    for (const [text, code] of cases)
      expect(
        verifyQrText(text, { lists: [list], timeZone: NODE_TIME_ZONE }, NOW).code,
        text.slice(0, 20),
      ).to.equal(code);
  });

  it("when a correctly signed payload repeats a claim or uses a non-shortest length, then it is malformed, not read one way or another", () => {
    // Two CBOR readers may keep the first or the last of a repeated key: a payload must have one reading.
    const claims = encode(new Map<string, unknown>([["nm", "张三"]]), rfc8949EncodeOptions);
    const good = base45.decode(sealSample(key.sealing).slice(QR_PREFIX.length));
    const cose = decode(good[0] === 0x78 ? inflateSync(good) : good, {
      useMaps: true,
      tags: Tagged.preserve(18),
    }) as Tagged;
    const [protectedBytes, , payload] = cose.value as Uint8Array[];
    const duplicated = Buffer.concat([
      Buffer.from([(payload![0] ?? 0) + 1]),
      payload!.subarray(1),
      claims.subarray(1),
    ]);
    // The suite "ed25519" (a 7-byte text, 0x67) written with a one-byte length (0x78 0x07) instead.
    const longForm = Buffer.from(payload!).toString("hex").replace("6765643235353139", "780765643235353139");
    expect(longForm).to.contain("7807");
    for (const bad of [duplicated, Buffer.from(longForm, "hex")]) {
      const sig = key.sealing.signer.sign(
        encode(["Signature1", protectedBytes!, new Uint8Array(0), bad], rfc8949EncodeOptions),
      );
      const forged = encode(new Tagged(18, [protectedBytes, new Map(), bad, sig]), rfc8949EncodeOptions);
      const r = verifyQrText(
        QR_PREFIX + base45.encode(Buffer.from(forged)),
        { lists: [list], timeZone: NODE_TIME_ZONE },
        NOW,
      );
      expect(r.code).to.equal("malformed_payload");
    }
  });

  it("when there is no trust list at all, then the verdict is no_trust_list", () => {
    expect(verifyQrText(sealSample(key.sealing), { lists: [], timeZone: NODE_TIME_ZONE }, NOW).code).to.equal(
      "no_trust_list",
    );
  });

  it("when the certificate's validity has ended, then it is authentic but certificate_expired", () => {
    const r = verifyQrText(
      sealSample(key.sealing, { validTo: "2026-05-30" }),
      { lists: [list], timeZone: NODE_TIME_ZONE },
      NOW,
    );
    expect(r).to.deep.include({ ok: false, authentic: true, code: "certificate_expired" });
  });

  it("when a province anchor's list carries another province's key, then that key is dropped", () => {
    const beijing = aProvinceKey("ed25519", "110000");
    const scoped = aTrustList([key.entry, beijing.entry], { now: NOW, provinces: ["320000"] });
    expect(scoped.list.droppedKeys).to.equal(1);
    expect(
      verifyQrText(
        sealSample(beijing.sealing, { provinceCode: "110000" }),
        { lists: [scoped.list], timeZone: NODE_TIME_ZONE },
        NOW,
      ).code,
    ).to.equal("unknown_issuer_key");
  });

  it("when a trust list is signed by a key that is not an anchor, or altered, then it does not load", () => {
    const { file } = aTrustList([key.entry], { now: NOW });
    const other = aTrustList([key.entry], { now: NOW });
    expect(loadTrustList(file, [other.anchor]).ok).to.equal(false);
    const altered = {
      ...(file as Record<string, unknown>),
      payload: Buffer.from('{"format":"roadcert-trust-list/1"}').toString("base64url"),
    };
    expect(loadTrustList(altered, [aTrustList([key.entry]).anchor]).ok).to.equal(false);
  });
});

describe("times in a verdict on a node whose zone is not the default", () => {
  const key = aProvinceKey("ed25519", "320000");
  // Made at 00:00 UTC: 08:00 that day in China, 20:00 the day before in New York.
  const { list } = aTrustList([key.entry], { now: NOW, validForSeconds: 7 * 86_400 });
  const qr = sealSample(key.sealing);

  it("when the node's zone is not the default, then an expired trust list's end is written on that zone's date, not China's", () => {
    const weekOn = new Date(NOW.getTime() + 8 * 86_400_000);
    const there = verifyQrText(qr, { lists: [list], timeZone: OTHER_NODE_TIME_ZONE }, weekOn);
    expect(there).to.deep.include({ code: "trust_list_expired" });
    expect(there.message).to.include("信任列表已于 2026年6月7日 20:00:00 过期");
    // The same verdict on a node in China: the zone passed is the one written.
    const home = verifyQrText(qr, { lists: [list], timeZone: NODE_TIME_ZONE }, weekOn);
    expect(home.message).to.include("信任列表已于 2026年6月8日 08:00:00 过期");
  });

  it("when the node's zone is not the default, then a revoked certificate's status is dated in that zone", () => {
    const bits = emptyStatusBits();
    setStatusBits(bits, sampleClaims.statusIndex, "revoked");
    const file = buildStatusList(
      { provinceCode: "320000", bits, now: NOW, validForSeconds: 3600 },
      key.sealing,
    );
    const statusLists = new Map([["320000", loadStatusList(file, list.body.keys)!]]);
    const there = verifyQrText(qr, { lists: [list], statusLists, timeZone: OTHER_NODE_TIME_ZONE }, NOW);
    expect(there).to.deep.include({ code: "status_not_valid" });
    expect(there.message).to.include("状态截至 2026年5月31日 20:00:00");
    const home = verifyQrText(qr, { lists: [list], statusLists, timeZone: NODE_TIME_ZONE }, NOW);
    expect(home.message).to.include("状态截至 2026年6月1日 08:00:00");
  });
});

describe("key rotation", () => {
  it("when a node rotates its key, then certificates signed with the old key still verify and new ones use the new key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keys-"));
    try {
      let t = new Date("2026-01-01T00:00:00Z");
      const store = openKeyStore(dir, "sm2-sm3", () => t);
      const old = store.active("certificate");
      const oldQr = sealSample(old, { issuedAt: "2026-02-01T00:00:00.000Z" });
      t = new Date("2026-03-01T00:00:00Z");
      await store.rotate("certificate");
      const fresh = store.active("certificate");
      expect(fresh.kid).to.not.equal(old.kid);
      const newQr = sealSample(fresh, { issuedAt: "2026-04-01T00:00:00.000Z" });
      const entries = store
        .all()
        .filter((k) => k.purpose === "certificate")
        .map((k) => ({
          provinceCode: "320000",
          kid: k.kid,
          suite: k.suite,
          publicKey: k.publicKey,
          validFrom: k.validFrom,
          validTo: k.validTo,
        }));
      const { list } = aTrustList(entries, { now: NOW });
      expect(verifyQrText(oldQr, { lists: [list], timeZone: NODE_TIME_ZONE }, NOW).code).to.equal("valid");
      expect(verifyQrText(newQr, { lists: [list], timeZone: NODE_TIME_ZONE }, NOW).code).to.equal("valid");
      // The old key cannot sign anything dated after its rotation.
      expect(
        verifyQrText(
          sealSample(old, { issuedAt: "2026-05-01T00:00:00.000Z" }),
          { lists: [list], timeZone: NODE_TIME_ZONE },
          NOW,
        ).code,
      ).to.equal("key_not_valid_at_issue");
      // Reopening the store keeps both keys.
      expect(
        openKeyStore(dir, "sm2-sm3")
          .all()
          .filter((k) => k.purpose === "certificate"),
      ).to.have.length(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
