import { expect } from "chai";
import { messageCodeLabel } from "../../../client/src/features/hub/message-labels.js";
import { REJECT_CODE_LABELS } from "../../../server/contracts/hub-collection.js";
import type { QualificationRecord } from "../../../server/contracts/hub-collection.js";
import { homeContest } from "../../../server/hub/home-contests.js";
import type { PointerFacts } from "../../../server/hub/pointer-view.js";

/** How a contested home reads: to the refused province, in the reject-code list and on the operator's page. */
describe("hub home contests: wording", () => {
  const pointer = { idNumber: "320102198704131025", name: "周滞留", homeProvince: "320000", version: 3 };
  const guangdongs: QualificationRecord = {
    recordId: "gd-cert",
    recordType: "certificate",
    sourceProvince: "440000",
    operation: "add",
    state: "valid",
    updateTime: "2026-12-01T10:00:00+08:00",
    version: 1,
    practitioner: { idNumber: pointer.idNumber, name: "周滞留" },
    categories: ["02001"],
    issuingDivision: "440000",
    certificate: {
      certificateNumber: "GD-1",
      status: "valid",
      issuingAuthority: "广东省交通运输厅",
      firstIssueDate: "2026-11-10",
      issueDate: "2026-11-10",
      validFrom: "2026-11-10",
      validTo: "2032-11-09",
    },
  };
  const homes = (operation: "add" | "delete", status: "valid" | "cancelled"): { record: PointerFacts }[] => [
    {
      record: {
        sourceProvince: "320000",
        recordType: "certificate",
        operation,
        state: status === "valid" ? "valid" : "invalid",
        updateTime: "2026-11-01T10:00:00+08:00",
        version: 1,
        categories: ["02001"],
        issuingDivision: "320000",
        practitioner: { name: "周滞留" },
        certificate: { certificateNumber: "JS-1", status, validTo: "2032-11-09" },
      },
    },
  ];

  /**
   * The refused province learns that its record is contested and that the national centre decides,
   * nothing of the home's records: their numbers, statuses and dates (or that they were deleted)
   * are a lookup's to tell, which names the officer, the purpose and the case and is logged.
   */
  it("when a record contests a home holding only a cancelled certificate, then the refusal says who decides and nothing of the home's certificate", () => {
    const contest = homeContest(guangdongs, homes("add", "cancelled"), pointer, "440000", "2026-12-07");
    expect(contest?.message).to.include("主管省份争议").and.include("全国中心");
    for (const told of ["320000", "江苏", "JS-1", "2032", "注销", "有效", "删除", "证"])
      expect(contest?.message, told).to.not.include(told);
  });

  it("when the home deleted every record of the person (grace period), then the refusal reads as any other contest's", () => {
    const deleted = homeContest(guangdongs, homes("delete", "valid"), pointer, "440000", "2026-12-07");
    const cancelled = homeContest(guangdongs, homes("add", "cancelled"), pointer, "440000", "2026-12-07");
    expect(deleted?.message).to.equal(cancelled?.message);
  });

  it("when the contest codes are shown, then each reads in Chinese with the page's word 主管省份", () => {
    for (const code of [
      "contest_stale",
      "contest_closed",
      "contest_not_found",
      "claimant_not_active",
      "home_contested",
      "certificate_number_in_use",
    ])
      expect(messageCodeLabel(code), code).to.not.equal("其他错误");
    expect(REJECT_CODE_LABELS.home_contested).to.include("主管省份");
    expect(REJECT_CODE_LABELS.home_contested).to.not.include("归属省份");
  });
});
