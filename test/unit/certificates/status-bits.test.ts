import { expect } from "chai";
import { gzipSync } from "node:zlib";
import {
  decodeStatusBits,
  emptyStatusBits,
  encodeStatusBits,
  getStatusBits,
  setStatusBits,
  STATUS_LIST_ENTRIES,
} from "../../../server/certificates/index.js";

/** A list of `entries` 2-bit slots, encoded as a province publishes it, with `slots` set. */
function aList(entries: number, slots: [number, "revoked" | "cancelled"][] = []): string {
  const bits = new Uint8Array((entries * 2) / 8);
  for (const [index, status] of slots) setStatusBits(bits, index, status);
  return encodeStatusBits(bits);
}

describe("certificates: reading a status list's bits", () => {
  it("when another province publishes a list longer than the minimum, then its slots past 131,072 are read", () => {
    const bits = decodeStatusBits(aList(2 * STATUS_LIST_ENTRIES, [[200_000, "revoked"]]));
    expect(bits).to.not.equal(null);
    expect(getStatusBits(bits!, 200_000)).to.equal("revoked");
    expect(getStatusBits(bits!, 199_999)).to.equal("valid");
    expect(getStatusBits(bits!, 2 * STATUS_LIST_ENTRIES)).to.equal(null);
  });

  it("when a list is shorter than the minimum, not GZIP or inflates past the bound, then it is not read", () => {
    expect(decodeStatusBits(aList(STATUS_LIST_ENTRIES / 2))).to.equal(null);
    expect(decodeStatusBits(`u${Buffer.from("not gzip").toString("base64url")}`)).to.equal(null);
    const huge = gzipSync(Buffer.alloc(17 * 1024 * 1024));
    expect(decodeStatusBits(`u${huge.toString("base64url")}`)).to.equal(null);
  });

  it("when this node's own list is read, then it is the minimum's size and its slots read as set", () => {
    const own = emptyStatusBits();
    setStatusBits(own, 131_071, "cancelled");
    const bits = decodeStatusBits(encodeStatusBits(own));
    expect(bits?.length).to.equal((STATUS_LIST_ENTRIES * 2) / 8);
    expect(getStatusBits(bits!, 131_071)).to.equal("cancelled");
  });
});
