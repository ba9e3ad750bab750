import { expect } from "chai";
import { verifyQrText } from "../../../server/certificates/index.js";
import { NODE_TIME_ZONE } from "../../helpers/time-zone.js";
import { retiredBefore } from "../../../server/certificates/crypto/status-list.js";
import { trustState } from "../../../server/certificates/crypto/trust-list.js";
import { keyCoversIssue } from "../../../server/certificates/crypto/verify-qr.js";
import { AppError } from "../../../server/lib/errors.js";
import { aProvinceKey, aTrustList, forgeSealed, sealSample } from "./trust-fixtures.js";

/**
 * A date that does not parse compares false both ways (NaN), so every window check around it
 * passes: a signed claim or a bound that is not a real date must refuse, never read as valid.
 */
const NOW = new Date("2026-06-01T00:00:00Z");

describe("dates in what an issuer seals and a verifier checks", () => {
  const jiangsu = aProvinceKey("ed25519", "320000");
  const { list } = aTrustList([jiangsu.entry], { now: NOW });

  for (const [field, date] of [
    ["vt", 20261399],
    ["vt", 20270229],
    ["vf", 20260010],
    ["vf", 20260431],
  ] as const) {
    it(`when a signed QR's claims carry ${field} ${date}, then verify answers malformed_payload`, () => {
      const qr = forgeSealed(jiangsu.sealing, { [field]: date });
      const r = verifyQrText(qr, { lists: [list], timeZone: NODE_TIME_ZONE }, NOW);
      expect(r).to.deep.include({ ok: false, authentic: false, code: "malformed_payload" });
    });
  }

  it("when a signed QR's date claim has more than eight digits, then verify answers malformed_payload rather than reading its first eight", () => {
    const qr = forgeSealed(jiangsu.sealing, { vt: 203112311 });
    expect(verifyQrText(qr, { lists: [list], timeZone: NODE_TIME_ZONE }, NOW).code).to.equal(
      "malformed_payload",
    );
  });

  it("when the forger lays out real dates, then its QR verifies (so the refusals above are the dates')", () => {
    const qr = forgeSealed(jiangsu.sealing, { vf: 20240229, vt: 20300228 });
    expect(verifyQrText(qr, { lists: [list], timeZone: NODE_TIME_ZONE }, NOW)).to.deep.include({
      ok: true,
      code: "valid",
    });
  });

  it("when a QR carries real dates, including a leap day, then it still verifies", () => {
    const qr = sealSample(jiangsu.sealing, { validFrom: "2024-02-29", validTo: "2030-02-28" });
    expect(verifyQrText(qr, { lists: [list], timeZone: NODE_TIME_ZONE }, NOW)).to.deep.include({
      ok: true,
      code: "valid",
    });
  });

  for (const [field, date] of [
    ["validTo", "2026-13-99"],
    ["validTo", "2027-02-29"],
    ["validFrom", "2026-00-10"],
    ["validFrom", "2026-04-31"],
    ["validTo", "2031-12-311"],
    ["validFrom", "20260101"],
  ] as const) {
    it(`when a certificate is sealed with ${field} ${date}, then sealing refuses with certificate_date_invalid and signs nothing`, () => {
      let signed = 0;
      const counting = {
        ...jiangsu.sealing,
        signer: {
          ...jiangsu.sealing.signer,
          sign: (m: Uint8Array) => (signed++, jiangsu.sealing.signer.sign(m)),
        },
      };
      const error = captured(() => sealSample(counting, { [field]: date }));
      expect(error).to.be.instanceOf(AppError);
      expect(error).to.include({ code: "certificate_date_invalid" });
      expect((error as AppError).message)
        .to.match(/[\u4e00-\u9fff]/)
        .and.include(date);
      expect(signed).to.equal(0);
    });
  }

  it("when a certificate is sealed with an issue time that does not parse, then sealing refuses with certificate_date_invalid", () => {
    const error = captured(() => sealSample(jiangsu.sealing, { issuedAt: "2026-01-01T25:00:00Z" }));
    expect(error).to.include({ code: "certificate_date_invalid" });
  });

  it("when a certificate is sealed valid to a day before it is valid from, then sealing refuses with certificate_date_invalid", () => {
    const error = captured(() =>
      sealSample(jiangsu.sealing, { validFrom: "2026-01-01", validTo: "2025-12-31" }),
    );
    expect(error).to.include({ code: "certificate_date_invalid" });
  });

  it("when a key's bound or a certificate's issue time does not parse, then the key does not cover the issue", () => {
    const issued = "2026-01-01T02:00:00.000Z";
    expect(keyCoversIssue({ validFrom: "2020-13-01", validTo: null }, issued)).to.equal(false);
    expect(keyCoversIssue({ validFrom: "2020-01-01", validTo: "not a date" }, issued)).to.equal(false);
    expect(keyCoversIssue({ validFrom: "2020-01-01", validTo: null }, "garbage")).to.equal(false);
    expect(keyCoversIssue({ validFrom: "2020-01-01", validTo: null }, issued)).to.equal(true);
  });

  it("when a status-list key's retirement or a list's generatedAt does not parse, then the list counts as signed after retirement", () => {
    expect(retiredBefore({ validTo: "2026-13-01" }, "2026-06-01T00:00:00Z")).to.equal(true);
    expect(retiredBefore({ validTo: "2026-07-01" }, "garbage")).to.equal(true);
    expect(retiredBefore({ validTo: "2026-07-01" }, "2026-06-01T00:00:00Z")).to.equal(false);
    expect(retiredBefore({ validTo: null }, "garbage")).to.equal(false);
  });

  it("when a trust list's validUntil does not parse, then it counts as expired, not fresh", () => {
    const broken = { ...list, body: { ...list.body, validUntil: "2026-13-01T00:00:00Z" } };
    expect(trustState(broken, NOW).state).to.equal("expired");
  });
});

/** The error `f` throws, or a failure when it throws none. */
function captured(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  return expect.fail("expected a refusal");
}
