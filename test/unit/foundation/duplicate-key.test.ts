import { expect } from "chai";
import { isDuplicateKey } from "../../../server/lib/mongo.js";

describe("isDuplicateKey", () => {
  const e11000 = { code: 11000, keyPattern: { idNumber: 1 } };

  it("when MongoDB refuses a duplicate key, then it is one, on the index's field and no other", () => {
    expect(isDuplicateKey(e11000)).to.equal(true);
    expect(isDuplicateKey(e11000, "idNumber")).to.equal(true);
    expect(isDuplicateKey(e11000, "seatId")).to.equal(false);
  });

  it("when the error is anything else or has no key pattern, then a named field never matches", () => {
    expect(isDuplicateKey({ code: 112 })).to.equal(false);
    expect(isDuplicateKey(new Error("boom"))).to.equal(false);
    expect(isDuplicateKey(undefined)).to.equal(false);
    expect(isDuplicateKey({ code: 11000 }, "idNumber")).to.equal(false);
  });
});
