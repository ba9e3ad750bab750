import { expect } from "chai";
import { duplicateKeyFields, toAppError } from "../../../server/lib/errors.js";
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

describe("duplicate keys of bulk writes", () => {
  // What mongoose's insertMany throws (MongoBulkWriteError): the driver keeps code, errmsg and the
  // operation of each write error, not the server's keyPattern.
  const bulk = (index: string) => ({
    name: "MongoBulkWriteError",
    code: 11000,
    writeErrors: [
      {
        err: {
          index: 1,
          code: 11000,
          errmsg: `E11000 duplicate key error collection: db.candidates index: ${index} dup key: { idNumber: "1" }`,
          op: {},
        },
      },
    ],
  });

  it("when insertMany meets a duplicate, then its field is read from the index the server names", () => {
    expect(isDuplicateKey(bulk("idNumber_1"), "idNumber")).to.equal(true);
    expect(isDuplicateKey(bulk("idNumber_1"), "seatId")).to.equal(false);
    expect(toAppError(bulk("idNumber_1")).details).to.deep.equal({ fields: ["idNumber"] });
  });

  it("when the index is compound or its fields hold underscores, then every field is named whole", () => {
    expect(duplicateKeyFields(bulk("session_id_1_seat_no_-1"))).to.deep.equal(["session_id", "seat_no"]);
    expect(isDuplicateKey(bulk("session_id_1_seat_no_-1"), "seat_no")).to.equal(true);
    expect(isDuplicateKey(bulk("session_id_1_seat_no_-1"), "seat")).to.equal(false);
  });
});
