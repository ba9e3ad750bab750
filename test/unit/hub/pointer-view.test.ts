import { expect } from "chai";
import type { QualificationRecord } from "../../../server/contracts/hub.js";
import { pointerFrom, transferCancellationAhead } from "../../../server/hub/pointer-view.js";

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

describe("hub pointer: the categories a practitioner holds", () => {
  const pass = (category: string, updateTime: string): QualificationRecord =>
    ({
      recordId: `pass:${category}`,
      recordType: "exam_pass",
      sourceProvince: "320000",
      operation: "add",
      state: "valid",
      updateTime,
      version: 1,
      practitioner: { idNumber: "320102198001011234", name: "冯雪" },
      categories: [category],
      issuingDivision: "320000",
      exam: {
        categoryCode: category,
        passedOn: "2026-01-01",
        score: 90,
        passMark: 80,
        chainHash: "a".repeat(64),
      },
    }) as QualificationRecord;
  const certificate = (status: "valid" | "revoked", updateTime: string): QualificationRecord => ({
    ...certificateOf("320000", status === "valid" ? "valid" : "cancelled"),
    state: status === "valid" ? "valid" : "invalid",
    updateTime,
    categories: ["01001"],
    certificate: { ...certificateOf("320000", "valid").certificate!, status },
  });
  const view = (records: QualificationRecord[]) =>
    pointerFrom(
      records.map((record) => ({ record, version: record.version })),
      records.at(-1)!,
      "320000",
    );

  it("when the certificate is revoked, then the pass behind it no longer shows as held", () => {
    const records = [pass("01001", "20260101100000"), certificate("revoked", "20260301100000")];
    expect(view(records)).to.include({ certificateStatus: "revoked" });
    expect(view(records).categories).to.deep.equal([]);
  });

  it("when the certificate is valid and a later pass awaits issuance, then both categories show", () => {
    const records = [certificate("valid", "20260101100000"), pass("02001", "20260201100000")];
    expect(view(records).categories).to.deep.equal(["01001", "02001"]);
  });
});
