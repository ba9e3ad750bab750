import type { QualificationRecord } from "../contracts/hub.js";
import type { CategoryCode } from "../contracts/categories.js";
import type { DomainEvents } from "../contracts/domain-events.js";

/** `YYYYMMDDhhmmss` in Beijing time (UTC+8, no DST), as MOT's interface specs write UpdateTime. */
export function toUpdateTime(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

function beijingDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** The collection-interface record of an exam pass (`exam.passed`, written by grading). */
export function passRecord(e: DomainEvents["exam.passed"]): QualificationRecord {
  const at = new Date(e.submittedAt);
  return {
    recordId: `pass:${e.attemptId}`,
    recordType: "exam_pass",
    sourceProvince: e.provinceCode,
    operation: "add",
    state: "valid",
    updateTime: toUpdateTime(at),
    version: 1,
    practitioner: { idNumber: e.idNumber.toUpperCase(), name: e.name },
    categories: [e.categoryCode as CategoryCode],
    // The event names the province, not the city that examined: the province is a valid GB/T 2260 division.
    issuingDivision: e.provinceCode,
    exam: {
      categoryCode: e.categoryCode as CategoryCode,
      passedOn: beijingDate(at),
      score: e.score,
      passMark: e.passMark,
      chainHash: e.chainHash,
    },
  };
}
