import { expect } from "chai";
import { generateKeyPairSync, sign } from "node:crypto";
import {
  buildStatusList,
  createSigner,
  emptyStatusBits,
  generateKeyPair,
  keyIdOf,
  loadStatusList,
  loadTrustList,
  openSignedDocument,
  setStatusBits,
  signDocument,
} from "../../../server/certificates/index.js";
import {
  SignedCertificateRecord,
  SignedDocument,
  StatusListBody,
  TrustAnchorsFile,
  TrustListBody,
  type TrustAnchor,
} from "../../../server/contracts/certificates.js";
import { AckBody } from "../../../server/contracts/exchange-messages.js";
import { MonthReport, PublishedReport } from "../../../server/contracts/hub-report.js";
import { verifyPublishedReport } from "../../../server/hub/index.js";
import { looseObjectPaths } from "../../../server/lib/strict-schema.js";
import { aProvinceKey, aTrustList } from "./trust-fixtures.js";

const payloadOf = (doc: SignedDocument): unknown =>
  JSON.parse(Buffer.from(doc.payload, "base64url").toString("utf8"));

const anAnchorAndSealing = () => {
  const pair = generateKeyPair("ed25519");
  const kid = keyIdOf("ed25519", pair.publicKey);
  const anchor: TrustAnchor = {
    name: "test anchor",
    kid,
    suite: "ed25519",
    publicKey: pair.publicKey,
    provinces: "*",
  };
  return { anchor, sealing: { kid, signer: createSigner(pair) } };
};

/**
 * Signed formats are versioned (`roadcert-…/1`): a field the version does not name is not ours to
 * ignore. A reader that dropped it would verify a document and then act on less than was signed,
 * or accept an envelope field nobody signed; a new field means a new format version.
 */
describe("signed document formats", () => {
  it("when any signed format, or a message carrying a signed record, is read, then no object in it drops unknown keys", () => {
    const formats = {
      SignedDocument,
      TrustListBody,
      StatusListBody,
      TrustAnchorsFile,
      SignedCertificateRecord,
      AckBody,
      PublishedReport,
      MonthReport,
    };
    for (const [name, schema] of Object.entries(formats))
      expect(looseObjectPaths(schema), name).to.deep.equal([]);
  });

  /** A valid trust-list body, re-signed by a fresh anchor so only the change under test can fail it. */
  const aSignedTrustList = () => {
    const { anchor, sealing } = anAnchorAndSealing();
    const { file } = aTrustList([aProvinceKey("ed25519").entry]);
    const body = payloadOf(SignedDocument.parse(file)) as { keys: Record<string, unknown>[] };
    return { anchor, sealing, body, good: signDocument(body, sealing) };
  };

  it("when a trust list's signed body names a field its format does not, then loading refuses it although the signature is good", () => {
    const { anchor, sealing, body, good } = aSignedTrustList();
    expect(loadTrustList(good, [anchor]).ok).to.equal(true);
    expect(loadTrustList(signDocument({ ...body, revokedKeys: ["k1"] }, sealing), [anchor])).to.deep.equal({
      ok: false,
      reason: "信任列表内容不合法",
    });
    const keys = body.keys.map((k) => ({ ...k, suspended: true }));
    expect(loadTrustList(signDocument({ ...body, keys }, sealing), [anchor]).ok).to.equal(false);
  });

  it("when a signed document's envelope carries a field outside the signature, then it is refused as malformed", () => {
    const { anchor, good } = aSignedTrustList();
    expect(loadTrustList({ ...good, note: "unsigned" }, [anchor])).to.deep.equal({
      ok: false,
      reason: "信任列表文件格式不正确",
    });
    const signer = { ...good.signer, x5u: "https://example.invalid" };
    expect(loadTrustList({ ...good, signer }, [anchor]).ok).to.equal(false);
  });

  it("when a status list's signed body names a field its format does not, then it is not loaded, so no status is read from it", () => {
    const key = aProvinceKey("ed25519");
    const good = buildStatusList(
      { provinceCode: "320000", bits: emptyStatusBits(), now: new Date(), validForSeconds: 300 },
      key.sealing,
    );
    expect(loadStatusList(good, [key.entry])).to.not.equal(null);
    const body = StatusListBody.parse(openSignedDocument(good, key.entry));
    expect(
      loadStatusList(signDocument({ ...body, overrides: { 4242: "valid" } }, key.sealing), [key.entry]),
    ).to.equal(null);
    expect(loadStatusList(signDocument({ ...body, validUntil: "明天" }, key.sealing), [key.entry])).to.equal(
      null,
    );
    const messages = body.statusMessages.map((m, i) => (i === 3 ? { ...m, lang: "en" } : m));
    expect(
      loadStatusList(signDocument({ ...body, statusMessages: messages }, key.sealing), [key.entry]),
    ).to.equal(null);
  });

  it("when a signed status list's encodedList is padded with '=', then the node's loader refuses it as the hub does", () => {
    const key = aProvinceKey("ed25519");
    const bits = emptyStatusBits();
    setStatusBits(bits, 42, "revoked");
    const good = buildStatusList(
      { provinceCode: "320000", bits, now: new Date(), validForSeconds: 300 },
      key.sealing,
    );
    expect(loadStatusList(good, [key.entry])).to.not.equal(null);
    const body = StatusListBody.parse(openSignedDocument(good, key.entry));
    const padded = signDocument({ ...body, encodedList: `${body.encodedList}=` }, key.sealing);
    expect(loadStatusList(padded, [key.entry])).to.equal(null);
  });

  describe("a status list signed by a retired key", () => {
    const at = (iso: string) => new Date(iso);
    function aListAt(now: Date, validTo: string | null) {
      const key = aProvinceKey("ed25519");
      const list = buildStatusList(
        { provinceCode: "320000", bits: emptyStatusBits(), now, validForSeconds: 86_400 },
        key.sealing,
      );
      return { list, entry: { ...key.entry, validTo } };
    }

    it("when a list is dated after its signing key's validTo, then the loader refuses it: a retired key signs no newer list", () => {
      const { list, entry } = aListAt(at("2026-03-02T08:00:00.000Z"), "2026-03-01T00:00:00.000Z");
      expect(loadStatusList(list, [entry])).to.equal(null);
    });

    it("when a list is dated before its key was retired, or its key is in use, then it loads", () => {
      const before = aListAt(at("2026-02-28T08:00:00.000Z"), "2026-03-01T00:00:00.000Z");
      expect(loadStatusList(before.list, [before.entry])).to.not.equal(null);
      const current = aListAt(at("2026-03-02T08:00:00.000Z"), null);
      expect(loadStatusList(current.list, [current.entry])).to.not.equal(null);
    });

    it("when the key's validTo is a date (as the hub registers it), then a list dated after that day's start is refused", () => {
      const { list, entry } = aListAt(at("2026-03-01T00:00:01.000Z"), "2026-03-01");
      expect(loadStatusList(list, [entry])).to.equal(null);
    });
  });

  describe("a published monthly report", () => {
    const hubKey = generateKeyPairSync("ed25519");
    const x = hubKey.publicKey.export({ format: "jwk" }).x ?? "";
    const report = {
      format: "roadcert-monthly-report/1",
      month: "2026-10",
      timeZone: "Asia/Shanghai",
      from: "2026-09-30T16:00:00.000Z",
      to: "2026-10-31T16:00:00.000Z",
      partial: false,
      generatedAt: "2026-11-01T01:00:00.000Z",
      latencyTargetHours: 24,
      exchangeIncluded: true,
      provinces: [],
    };
    const published = (payloadObject: unknown, extra: Record<string, unknown> = {}) => {
      const bytes = Buffer.from(JSON.stringify(payloadObject), "utf8");
      return {
        format: "roadcert-signed/1",
        signer: { keyId: "hub-1", alg: "ed25519", publicKey: x },
        payload: bytes.toString("base64url"),
        signature: sign(null, bytes, hubKey.privateKey).toString("base64url"),
        ...extra,
      };
    };

    it("when its signed payload names a field the report format does not, then the verifier says bad_payload rather than valid", () => {
      expect(verifyPublishedReport(published(report), x).ok).to.equal(true);
      const verdict = verifyPublishedReport(
        published({ ...report, corrections: [{ province: "320000" }] }),
        x,
      );
      expect(verdict).to.include({ ok: false, code: "bad_payload" });
    });

    it("when its envelope carries a field outside the signature, then the verifier says malformed", () => {
      expect(verifyPublishedReport(published(report, { comment: "unsigned" }), x)).to.include({
        ok: false,
        code: "malformed",
      });
    });
  });
});

describe("dates and times in signed formats", () => {
  it("when a trust list's validUntil is not a time, then loading refuses it rather than reading it as never expiring", () => {
    const { anchor, sealing } = anAnchorAndSealing();
    const body = payloadOf(SignedDocument.parse(aTrustList([aProvinceKey("ed25519").entry]).file)) as object;
    expect(loadTrustList(signDocument(body, sealing), [anchor]).ok).to.equal(true);
    for (const validUntil of ["永久有效", "2026-02-30T00:00:00Z", "2026-12-01"])
      expect(
        loadTrustList(signDocument({ ...body, validUntil }, sealing), [anchor]),
        validUntil,
      ).to.deep.equal({
        ok: false,
        reason: "信任列表内容不合法",
      });
  });

  it("when a key's validFrom on a trust list is not a time, then the list is refused, not read as a key valid from any date", () => {
    const { anchor, sealing } = anAnchorAndSealing();
    const entry = { ...aProvinceKey("ed25519").entry, validFrom: "2020-01-01T08:00:00+08:00" };
    expect(loadTrustList(signDocument({ ...body(entry) }, sealing), [anchor]).ok).to.equal(true);
    const bad = { ...entry, validFrom: "2020-13-01T00:00:00Z" };
    expect(loadTrustList(signDocument(body(bad), sealing), [anchor]).ok).to.equal(false);

    function body(key: object) {
      const now = new Date();
      return {
        format: "roadcert-trust-list/1",
        issuer: "test",
        generatedAt: now.toISOString(),
        validUntil: new Date(now.getTime() + 86_400_000).toISOString(),
        refreshSeconds: 3600,
        keys: [key],
      };
    }
  });
});
