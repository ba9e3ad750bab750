import type { AttemptLean } from "../../server/exams/index.js";

/**
 * An attempt document as the presenters read it from the store: one candidate's 60-minute sitting
 * released at 01:00Z, in progress, nothing answered yet. Tests override what they are about (and
 * whatever else the presenter they call reads: seat, presence, pauses, the closing).
 */
export function anAttemptDocument(over: Partial<AttemptLean> = {}): AttemptLean {
  return {
    _id: "att_1",
    sessionId: "s1",
    candidateId: "c1",
    categoryCode: "01001",
    candidateName: "张三",
    idNumber: "32010219850315001X",
    ticketNo: "T1",
    status: "in_progress",
    questionCount: 1,
    minutes: 60,
    startedAt: new Date("2026-05-10T01:00:00Z"),
    deadline: new Date("2026-05-10T02:00:00Z"),
    answers: [],
    seen: [],
    lastSeq: 0,
    ...over,
  } as unknown as AttemptLean;
}

/**
 * The same attempt handed in at its deadline (02:00Z, stored 30 s later) and graded a pass: one of
 * its two questions answered (seq 1), the chain at version 7.
 */
export function aClosedAttemptDocument(over: Partial<AttemptLean> = {}): AttemptLean {
  return anAttemptDocument({
    status: "submitted",
    questionCount: 2,
    answers: [
      { choice: ["A"], seq: 1, flagged: false, flagSeq: 0 },
      { seq: 0, flagSeq: 0 },
    ] as unknown as AttemptLean["answers"],
    seen: [1],
    lastSeq: 1,
    chainN: 7,
    closeReason: "deadline",
    submittedAt: new Date("2026-05-10T02:00:30Z"),
    result: { score: 1, totalPoints: 2, passMark: 1, passed: true },
    ...over,
  } as Partial<AttemptLean>);
}
