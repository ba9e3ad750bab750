import { expect } from "chai";
import {
  addDays,
  isLapsed,
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

  it("when renewal is asked, then only inside the window before expiry and only for a valid certificate", () => {
    expect(refuseRenewal("valid", "2027-01-01", "2026-10-02", 90)?.code).to.equal("renewal_too_early");
    expect(refuseRenewal("valid", "2027-01-01", "2026-10-03", 90)).to.equal(null);
    expect(refuseRenewal("valid", "2027-01-01", "2027-01-01", 90)).to.equal(null);
    expect(refuseRenewal("valid", "2027-01-01", "2027-01-02", 90)?.code).to.equal("renewal_too_late");
    expect(refuseRenewal("revoked", "2027-01-01", "2026-12-01", 90)?.code).to.equal("certificate_not_valid");
  });
});
