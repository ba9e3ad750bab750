import { expect } from "chai";
import type { QualificationRecord } from "../../../server/contracts/hub.js";
import { transferCancellationAhead } from "../../../server/hub/pointer-view.js";

/** A certificate record of `province` in `state`, as far as the pointer's rule reads it. */
function certificateOf(province: string, status: "valid" | "cancelled"): QualificationRecord {
  return {
    recordId: `cert:${province}`,
    recordType: "certificate",
    sourceProvince: province,
    operation: "update",
    state: status === "valid" ? "valid" : "invalid",
    updateTime: "20261205120000",
    version: 2,
    practitioner: { idNumber: "320102198001011234", name: "冯雪" },
    categories: ["02001"],
    issuingDivision: province,
    certificate: {
      certificateNumber: "320102198001011234",
      status,
      issuingAuthority: "交通运输厅",
      firstIssueDate: "2026-01-01",
      issueDate: "2026-01-01",
      validFrom: "2026-01-01",
      validTo: "2031-12-31",
    },
  } as QualificationRecord;
}

describe("hub pointer: a former home's transfer cancellation that arrives first", () => {
  it("when the person comes back to a home that still holds its own cancelled certificate, then the former home's cancellation waits for the home's valid one", () => {
    const beijingCancels = certificateOf("110000", "cancelled");
    const jiangsuBefore = { record: certificateOf("320000", "cancelled") };
    expect(transferCancellationAhead(beijingCancels, "320000", [jiangsuBefore])).to.equal(true);
    const jiangsuAgain = { record: certificateOf("320000", "valid") };
    expect(transferCancellationAhead(beijingCancels, "320000", [jiangsuAgain])).to.equal(false);
  });

  it("when the new home has no record yet, then the cancellation waits; a cancellation by the home itself never does", () => {
    expect(transferCancellationAhead(certificateOf("110000", "cancelled"), "320000", [])).to.equal(true);
    expect(transferCancellationAhead(certificateOf("320000", "cancelled"), "320000", [])).to.equal(false);
  });
});
