import { expect } from "chai";
import {
  addDays,
  isLapsed,
  issueOnto,
  refuseRenewal,
  refuseStatusChange,
  validityEnd,
} from "../../../server/certificates/lifecycle.js";

describe("certificate lifecycle rules", () => {
  it("when a certificate is issued, then it is valid six years to the day before", () => {
    expect(validityEnd("2026-03-01")).to.equal("2032-02-29");
    expect(validityEnd("2026-01-15")).to.equal("2032-01-14");
  });

  it("when a valid certificate is cancelled, revoked or withdrawn, then it is allowed; a non-valid one is refused", () => {
    const opts = { validTo: "2030-01-01", today: "2027-01-01" };
    for (const action of ["cancel", "revoke", "withdraw"] as const) {
      expect(refuseStatusChange("valid", action, { ...opts, reason: "holder_request" })).to.equal(null);
      for (const from of ["cancelled", "revoked", "withdrawn"] as const) {
        expect(refuseStatusChange(from, action, opts)?.code).to.equal("certificate_not_valid");
      }
    }
  });

  it("when cancellation for lapse is asked before 180 days after expiry, then it is refused; after, allowed", () => {
    expect(
      refuseStatusChange("valid", "cancel", {
        reason: "expired_180_days",
        validTo: "2026-01-01",
        today: "2026-06-30",
      })?.code,
    ).to.equal("not_yet_lapsed");
    expect(
      refuseStatusChange("valid", "cancel", {
        reason: "expired_180_days",
        validTo: "2026-01-01",
        today: "2026-07-01",
      }),
    ).to.equal(null);
    expect(isLapsed("2026-01-01", addDays("2026-01-01", 180))).to.equal(false);
    expect(isLapsed("2026-01-01", addDays("2026-01-01", 181))).to.equal(true);
  });

  it("when renewal is asked, then only from the window before expiry until 180 days after it, and only for a valid certificate", () => {
    expect(refuseRenewal("valid", "2027-01-01", "2026-10-02", 90)?.code).to.equal("renewal_too_early");
    expect(refuseRenewal("valid", "2027-01-01", "2026-10-03", 90)).to.equal(null);
    expect(refuseRenewal("valid", "2027-01-01", "2027-01-01", 90)).to.equal(null);
    // A late renewal: expired, not yet 180 days (the day after that it is cancelled).
    expect(refuseRenewal("valid", "2027-01-01", "2027-01-02", 90)).to.equal(null);
    expect(refuseRenewal("valid", "2027-01-01", addDays("2027-01-01", 180), 90)).to.equal(null);
    expect(refuseRenewal("valid", "2027-01-01", addDays("2027-01-01", 181), 90)?.code).to.equal(
      "renewal_too_late",
    );
    expect(refuseRenewal("revoked", "2027-01-01", "2026-12-01", 90)?.code).to.equal("certificate_not_valid");
  });

  it("when a holder passes again, then a valid certificate gains the category, a cancelled or lapsed one is issued anew, an expired one is renewed first, a revoked one is refused", () => {
    const held = (status: "valid" | "cancelled" | "revoked" | "withdrawn", validTo = "2030-01-01") => ({
      status,
      validTo,
      categoryCodes: ["01001"],
    });
    const today = "2027-06-01";
    expect(issueOnto(null, "02001", today)).to.deep.equal({ kind: "first_issue" });
    expect(issueOnto(held("valid"), "02001", today)).to.deep.equal({ kind: "category_added" });
    expect(issueOnto(held("valid"), "01001", today).refusal?.code).to.equal("category_already_held");
    expect(issueOnto(held("cancelled"), "01001", today)).to.deep.equal({ kind: "reissue" });
    expect(issueOnto(held("valid", "2027-05-01"), "02001", today).refusal?.code).to.equal("renewal_due");
    expect(issueOnto(held("valid", "2026-11-01"), "01001", today)).to.deep.equal({ kind: "reissue" });
    expect(issueOnto(held("revoked"), "02001", today).refusal?.code).to.equal("certificate_not_valid");
    expect(issueOnto(held("withdrawn"), "02001", today).refusal?.message).to.contain("撤销");
  });
});
