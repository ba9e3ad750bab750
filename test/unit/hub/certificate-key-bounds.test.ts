import { expect } from "chai";
import { MAX_CERTIFICATE_KEYS } from "../../../server/contracts/hub-registry.js";
import { mergeAnnouncedKeys, type HeldCertificateKey } from "../../../server/hub/certificate-key-bounds.js";

const YEAR_MS = 365.25 * 86_400_000;
const now = new Date("2040-06-01T00:00:00.000Z");

/** A held key that signed from `from` until `to` (instants). */
const aKey = (n: number, from: Date, to: Date | null): HeldCertificateKey => ({
  kid: `kid-${n}`,
  suite: "ed25519",
  publicKey: `pk-${n}`,
  validFrom: from.toISOString(),
  validTo: to?.toISOString() ?? null,
});
const yearsAgo = (y: number) => new Date(now.getTime() - y * YEAR_MS);
const announced = {
  kid: "kid-new",
  suite: "ed25519" as const,
  publicKey: "pk-new",
  validFrom: now.toISOString(),
};

/**
 * A province rotates its certificate key for years: the hub's list holds at most
 * MAX_CERTIFICATE_KEYS of its keys, so it must make room by dropping keys no certificate still
 * valid can have been signed with (ended longer ago than a certificate's six-year validity and a
 * margin), and only those: an old certificate must still verify.
 */
describe("the hub's list of a province's certificate keys when it is full", () => {
  it("when the list is full and the oldest key ended more than seven years ago, then that key is dropped, the new key is listed, and the drop is reported", () => {
    const held = [
      aKey(0, yearsAgo(9), yearsAgo(8)),
      ...Array.from({ length: MAX_CERTIFICATE_KEYS - 1 }, (_, i) => aKey(i + 1, yearsAgo(6), yearsAgo(1))),
    ];
    const merged = mergeAnnouncedKeys(held, [announced], now);
    expect(merged.refused).to.deep.equal([]);
    expect(merged.added).to.deep.equal(["kid-new"]);
    expect(merged.dropped).to.deep.equal(["kid-0"]);
    expect(merged.keys.map((k) => k.kid)).to.not.include("kid-0");
    expect(merged.keys).to.have.length(MAX_CERTIFICATE_KEYS);
    expect(merged.changed).to.equal(true);
  });

  it("when the list is full and every key ended within seven years (a certificate it signed may still be valid), then nothing is dropped and the new key is refused too_many_keys", () => {
    const held = Array.from({ length: MAX_CERTIFICATE_KEYS }, (_, i) => aKey(i, yearsAgo(7), yearsAgo(6.9)));
    const merged = mergeAnnouncedKeys(held, [announced], now);
    expect(merged.refused.map((r) => r.code)).to.deep.equal(["too_many_keys"]);
    expect(merged.dropped).to.deep.equal([]);
    expect(merged.keys.map((k) => k.kid)).to.deep.equal(held.map((k) => k.kid));
  });

  it("when the list is not full, then no key is dropped, however long ago it ended", () => {
    const held = [aKey(0, yearsAgo(20), yearsAgo(19))];
    const merged = mergeAnnouncedKeys(held, [announced], now);
    expect(merged.dropped).to.deep.equal([]);
    expect(merged.keys.map((k) => k.kid)).to.deep.equal(["kid-0", "kid-new"]);
  });
});
