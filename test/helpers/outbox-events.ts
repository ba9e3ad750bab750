import type { DomainEvents } from "../../server/contracts/domain-events.js";

/** An `exam.passed` payload for outbox tests: only the attempt differs between entries. */
export const anExamPassed = (attemptId: string): DomainEvents["exam.passed"] => ({
  attemptId,
  candidateId: "c1",
  idNumber: "32010219850315001X",
  name: "张三",
  categoryCode: "01001",
  sessionId: "s1",
  score: 90,
  passMark: 80,
  submittedAt: new Date(0).toISOString(),
  chainHash: "h",
  provinceCode: "320000",
});
