import { expect } from "chai";
import { BSON } from "bson";
import fc from "fast-check";
import { entryHash, GENESIS_HASH, sealEntry } from "../../../server/audit/audit-hash.js";

/** Any string at all, lone UTF-16 surrogates included (what JSON.parse can hand the server). */
const anyString = fc.string({ unit: "binary", maxLength: 40 });
const anyDetails = fc.dictionary(
  anyString,
  fc.oneof(anyString, fc.array(anyString, { maxLength: 4 }), fc.integer(), fc.dictionary(anyString, anyString)),
  { maxKeys: 5 },
);

/** What the database hands back: BSON encodes strings as UTF-8, so lone surrogates become U+FFFD. */
function roundTrip<T>(value: T): T {
  return BSON.deserialize(BSON.serialize({ v: value })).v as T;
}

describe("audit entries are sealed over well-formed text", () => {
  it("when any strings reach an entry, then the entry read back from BSON still matches its hash", () => {
    fc.assert(
      fc.property(anyString, anyString, anyString, anyDetails, (action, name, targetId, details) => {
        const { fields, hash } = sealEntry({
          seq: 1,
          at: new Date(0),
          action,
          actor: { id: "u1", kind: "staff", name },
          divisionCode: "320100",
          target: { type: "user", id: targetId },
          details,
          prevHash: GENESIS_HASH,
        });
        expect(entryHash(roundTrip(fields))).to.equal(hash);
      }),
      { numRuns: 300 },
    );
  });

  it("when a username holds a lone surrogate, then the sealed text holds U+FFFD, as the database will", () => {
    const { fields } = sealEntry({
      seq: 1,
      at: new Date(0),
      action: "auth.login_failed",
      actor: { id: "", kind: "anonymous", name: "匿名" },
      divisionCode: null,
      target: null,
      details: { loginName: "probe_\ud800x" },
      prevHash: GENESIS_HASH,
    });
    expect(fields.details).to.deep.equal({ loginName: "probe_\ufffdx" });
  });

  it("when a details key is __proto__, then it stays an own key and is hashed", () => {
    const details = JSON.parse('{"__proto__": "x"}') as Record<string, unknown>;
    const base = {
      seq: 1,
      at: new Date(0),
      action: "a",
      actor: { id: "", kind: "anonymous", name: "" },
      divisionCode: null,
      target: null,
      prevHash: GENESIS_HASH,
    };
    expect(sealEntry({ ...base, details }).hash).to.not.equal(sealEntry({ ...base, details: {} }).hash);
  });
});
