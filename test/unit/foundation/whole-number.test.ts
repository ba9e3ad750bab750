import { expect } from "chai";
import { InboxQuery } from "../../../server/contracts/exchange-messages.js";
import { ListCandidatesQuery } from "../../../server/contracts/registration.js";
import { refusalOf } from "../../helpers/refusal.js";

describe("numbers in queries are decimal digits or refused", () => {
  it("when a cursor or page size is hex, an exponent, empty, padded, signed or fractional, then it is refused in Chinese", () => {
    for (const text of ["0x10", "1e2", "", " 5", "5 ", "+5", "-1", "1.5", "٥", "Infinity"]) {
      const err = refusalOf(() => InboxQuery.parse({ after: text }));
      expect(err.code, JSON.stringify(text)).to.equal("validation_failed");
      expect(err.message).to.match(/[\u4e00-\u9fff]/);
      expect(refusalOf(() => ListCandidatesQuery.parse({ limit: text })).code).to.equal("validation_failed");
    }
  });

  it("when a page size is refused, then the message names it in Chinese (每页条数), not by its key", () => {
    expect(refusalOf(() => ListCandidatesQuery.parse({ limit: "0x10" })).message).to.match(
      /^每页条数：须为十进制整数/,
    );
  });

  it("when a parameter is repeated, then the list is refused rather than one of its values taken", () => {
    expect(refusalOf(() => InboxQuery.parse({ limit: ["10", "20"] })).code).to.equal("validation_failed");
  });

  it("when numbers are plain digits (leading zeros too) or absent, then they read as written or as the default", () => {
    expect(InboxQuery.parse({ after: "0016", limit: "500", wait: "0" })).to.deep.equal({
      after: 16,
      limit: 500,
      wait: 0,
    });
    expect(InboxQuery.parse({})).to.deep.equal({ after: 0, limit: 100, wait: 0 });
    expect(ListCandidatesQuery.parse({ limit: 7 })).to.include({ limit: 7 });
  });

  it("when digits are out of the declared range, then the bound is named, not clamped", () => {
    const tooMany = refusalOf(() => InboxQuery.parse({ limit: "501" }));
    expect(tooMany.code).to.equal("validation_failed");
    expect(tooMany.message)
      .to.match(/^每页条数：.*500/)
      .and.not.to.include("须为十进制整数");
    expect(refusalOf(() => InboxQuery.parse({ after: "9".repeat(16) })).code).to.equal("validation_failed");
  });
});
