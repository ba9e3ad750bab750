import { expect } from "chai";
import { verifyQrText } from "../../../server/certificates/index.js";
import { retiredBefore } from "../../../server/certificates/crypto/status-list.js";
import { trustState } from "../../../server/certificates/crypto/trust-list.js";
import { keyCoversIssue } from "../../../server/certificates/crypto/verify-qr.js";
import { aProvinceKey, aTrustList, sealSample } from "./trust-fixtures.js";

/**
 * A date that does not parse compares false both ways (NaN), so every window check around it
 * passes: a signed claim or a bound that is not a real date must refuse, never read as valid.
 */
const NOW = new Date("2026-06-01T00:00:00Z");

describe("dates in what a verifier checks", () => {
  const jiangsu = aProvinceKey("ed25519", "320000");
  const { list } = aTrustList([jiangsu.entry], { now: NOW });

  for (const [field, date] of [
    ["validTo", "2026-13-99"],
    ["validTo", "2027-02-29"],
    ["validFrom", "2026-00-10"],
    ["validFrom", "2026-04-31"],
  ] as const) {
    it(`when a QR's claims carry ${field} ${date.replaceAll("-", "")}, then verify answers malformed_payload`, () => {
      const qr = sealSample(jiangsu.sealing, { [field]: date });
      const r = verifyQrText(qr, { lists: [list] }, NOW);
      expect(r).to.deep.include({ ok: false, authentic: false, code: "malformed_payload" });
    });
  }

  it("when a QR's date claim has more than eight digits, then verify answers malformed_payload rather than reading its first eight", () => {
    const qr = sealSample(jiangsu.sealing, { validTo: "2031-12-311" });
    expect(verifyQrText(qr, { lists: [list] }, NOW).code).to.equal("malformed_payload");
  });

  it("when a QR carries real dates, including a leap day, then it still verifies", () => {
    const qr = sealSample(jiangsu.sealing, { validFrom: "2024-02-29", validTo: "2030-02-28" });
    expect(verifyQrText(qr, { lists: [list] }, NOW)).to.deep.include({ ok: true, code: "valid" });
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
