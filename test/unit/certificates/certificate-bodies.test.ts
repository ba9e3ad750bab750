import { expect } from "chai";
import { CancelBody, TransferIssueBody } from "../../../server/contracts/certificates.js";
import { INVISIBLE_REFUSED } from "../../../server/contracts/validation.js";

/** The officer's certificate request bodies take text and codes as the rest of the node does. */
describe("certificate request bodies", () => {
  it("when a cancellation note holds a zero-width space or a bidirectional override, then it is refused as a revocation reason would be", () => {
    for (const note of ["本人\u200b申请", "\u202e请申人本"]) {
      const parsed = CancelBody.safeParse({ reason: "holder_request", note });
      expect(parsed.success, note).to.equal(false);
      expect(parsed.error?.issues[0]?.message).to.equal(INVISIBLE_REFUSED);
    }
  });

  it("when a cancellation comes without a note or with blanks, then the note is empty; a visible note is kept trimmed", () => {
    expect(CancelBody.parse({ reason: "death" }).note).to.equal("");
    expect(CancelBody.parse({ reason: "death", note: "   " }).note).to.equal("");
    expect(CancelBody.parse({ reason: "death", note: " 家属持死亡证明申请 " }).note).to.equal(
      "家属持死亡证明申请",
    );
    expect(CancelBody.safeParse({ reason: "death", note: "字".repeat(201) }).success).to.equal(false);
  });

  it("when a transfer issuance names a licence class registration does not know, then the body is refused; a known class passes", () => {
    const holder = { addressDivisionCode: "110105", licenceFirstIssuedOn: "2012-05-01" };
    for (const licenceClass of ["Z9", "a2", "驾照"])
      expect(
        TransferIssueBody.safeParse({ holder: { ...holder, licenceClass } }).success,
        licenceClass,
      ).to.equal(false);
    expect(TransferIssueBody.safeParse({ holder: { ...holder, licenceClass: "A2" } }).success).to.equal(true);
  });
});
