import { expect } from "chai";
import { gzipSync } from "node:zlib";
import { emptyStatusBits, getStatusBits, setStatusBits } from "../../../server/certificates/index.js";
import * as bitstring from "../../../server/lib/bitstring-status-list.js";

const { MIN_STATUS_ENTRIES } = bitstring;

/** A list of `entries` 2-bit slots, encoded as a province publishes it, with `slots` set. */
function aList(entries: number, slots: [number, "revoked" | "cancelled"][] = []): string {
  const bits = new Uint8Array((entries * 2) / 8);
  for (const [index, status] of slots) setStatusBits(bits, index, status);
  return bitstring.encode(bits);
}

/** The bits of a decoded list; fails the test when it does not decode. */
function bitsOf(encoded: string, statusSize = 2): Uint8Array {
  const decoded = bitstring.decode(encoded, statusSize);
  if (!decoded.ok) throw new Error(`not decoded: ${decoded.problem}`);
  return decoded.bits;
}

describe("certificates: reading a status list's bits", () => {
  it("when another province publishes a list longer than the minimum, then its slots past 131,072 are read", () => {
    const bits = bitsOf(aList(2 * MIN_STATUS_ENTRIES, [[200_000, "revoked"]]));
    expect(getStatusBits(bits, 200_000)).to.equal("revoked");
    expect(getStatusBits(bits, 199_999)).to.equal("valid");
    expect(getStatusBits(bits, 2 * MIN_STATUS_ENTRIES)).to.equal(null);
  });

  it("when a list is shorter than the minimum, not GZIP or inflates past the bound, then it is not read, each saying why", () => {
    expect(bitstring.decode(aList(MIN_STATUS_ENTRIES / 2), 2)).to.include({
      ok: false,
      problem: "too_few_entries",
      entries: MIN_STATUS_ENTRIES / 2,
    });
    expect(bitstring.decode(`u${Buffer.from("not gzip").toString("base64url")}`, 2)).to.include({
      ok: false,
      problem: "not_gzip",
    });
    const huge = gzipSync(Buffer.alloc(17 * 1024 * 1024));
    expect(bitstring.decode(`u${huge.toString("base64url")}`, 2)).to.include({
      ok: false,
      problem: "too_large",
    });
  });

  it("when this node's own list is read, then it is the minimum's size and its slots read as set", () => {
    const own = emptyStatusBits();
    setStatusBits(own, 131_071, "cancelled");
    const bits = bitsOf(bitstring.encode(own));
    expect(bits.length).to.equal((MIN_STATUS_ENTRIES * 2) / 8);
    expect(getStatusBits(bits, 131_071)).to.equal("cancelled");
  });

  it("when an encodedList is padded with '=', uses '+' or '/', or ends in a dangling character, then it is refused not_multibase, though Node's lenient base64url reads the same bytes from it", () => {
    // A list whose encoding holds both '-' and '_' (whose standard forms are '+' and '/').
    const lists = Array.from({ length: 50 }, (_, n) =>
      aList(
        MIN_STATUS_ENTRIES,
        Array.from({ length: 400 }, (_, i): [number, "revoked"] => [
          (i * (317 + n)) % MIN_STATUS_ENTRIES,
          "revoked",
        ]),
      ),
    );
    const good = lists.find((l) => l.includes("-") && l.includes("_")) ?? "";
    expect(good).to.match(/-/).and.match(/_/);
    const bytes = Buffer.from(good.slice(1), "base64url");
    const standard = `u${good.slice(1).replace(/-/g, "+").replace(/_/g, "/")}`;
    for (const lenient of [`${good}=`, `${good}==`, standard, `${standard}==`]) {
      expect(Buffer.from(lenient.slice(1), "base64url").equals(bytes), lenient.slice(-4)).to.equal(true);
      expect(bitstring.decode(lenient, 2), lenient.slice(-4)).to.include({
        ok: false,
        problem: "not_multibase",
      });
    }
    // Five characters are four plus one that encodes no whole byte: Node drops it, the strict form has none.
    expect(bitstring.decode("uAAAAA", 2)).to.include({ ok: false, problem: "not_multibase" });
    expect(bitstring.decode("uAAAA", 2)).to.include({ ok: false, problem: "not_gzip" });
    expect(bitstring.decode(good, 2).ok).to.equal(true);
  });

  it("when entries are 1, 2, 4 or 8 bits, then each reads back what was set, beside untouched neighbours", () => {
    for (const size of [1, 2, 4, 8]) {
      const bits = bitstring.allocate(MIN_STATUS_ENTRIES, size);
      expect(bitstring.entriesOf(bits, size), `size ${size}`).to.equal(MIN_STATUS_ENTRIES);
      const top = 2 ** size - 1;
      bitstring.set(bits, size, 1001, top);
      bitstring.set(bits, size, 1003, 1);
      const back = bitsOf(bitstring.encode(bits), size);
      expect(
        [1000, 1001, 1002, 1003].map((i) => bitstring.get(back, size, i)),
        `size ${size}`,
      ).to.deep.equal([0, top, 0, 1]);
    }
  });

  it("when entries are 3 bits (straddling bytes), then a list of whole entries reads back and one with a partial entry is refused", () => {
    const bits = bitstring.allocate(MIN_STATUS_ENTRIES, 3);
    expect((bits.length * 8) % 3).to.equal(0);
    bitstring.set(bits, 3, 2, 5);
    bitstring.set(bits, 3, 3, 7);
    const back = bitsOf(bitstring.encode(bits), 3);
    expect([1, 2, 3, 4].map((i) => bitstring.get(back, 3, i))).to.deep.equal([0, 5, 7, 0]);
    const partial = bitstring.encode(new Uint8Array(bits.length + 1));
    expect(bitstring.decode(partial, 3)).to.include({ ok: false, problem: "partial_entry" });
    expect(bitstring.decode(partial, 0)).to.include({ ok: false, problem: "bad_status_size" });
  });

  it("when a list is allocated for more entries than the minimum, then it holds at least that many", () => {
    expect(bitstring.entriesOf(emptyStatusBits(262_145), 2)).to.equal(262_148);
    expect(bitstring.entriesOf(emptyStatusBits(10), 2)).to.equal(MIN_STATUS_ENTRIES);
  });
});
