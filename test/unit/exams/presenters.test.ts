import { expect } from "chai";
import type { PaperQuestion } from "../../../server/contracts/paper.js";
import {
  PRESENCE_STALE_MS,
  toCandidateAttempt,
  toCandidateQuestion,
  toSeatView,
  type AttemptLean,
} from "../../../server/exams/index.js";
import { anAttemptDocument } from "../../helpers/attempt-builders.js";

const q: PaperQuestion = {
  questionId: "q1",
  version: 2,
  type: "multiple",
  chapter: "安全行车",
  difficulty: 3,
  stem: "出车前应检查哪些项目？",
  options: ["A", "B", "C", "D"].map((key) => ({ key, text: `选项${key}` })),
  optionOrder: ["C", "A", "D", "B"],
  answer: ["A", "B"],
  explanation: "SECRET",
  points: 1,
};

const now = new Date("2026-05-10T01:30:00Z");
/** Seated, connected and answering (question 0 saved and flagged), hand-in allowed after 30 minutes. */
function attempt(over: Partial<AttemptLean> = {}): AttemptLean {
  return anAttemptDocument({
    seatId: "seat-1",
    seatNo: 1,
    accommodationMinutes: 0,
    creditedMinutes: 0,
    pausedMs: 0,
    pausedAt: null,
    earliestHandInMinutes: 30,
    answers: [{ choice: ["A"], seq: 1, flagged: true, flagSeq: 2 }] as unknown as AttemptLean["answers"],
    seen: [1, 2],
    lastSeq: 2,
    online: true,
    seenAt: now,
    disconnectedAt: null,
    ...over,
  } as Partial<AttemptLean>);
}

describe("exam presenters", () => {
  it("when a paper question is shown to a candidate, then neither the key, the explanation nor the original option order leaves", () => {
    const shown = toCandidateQuestion(q, 0);
    expect(shown).to.have.keys(["index", "type", "stem", "options", "points"]);
    expect(JSON.stringify(shown)).not.to.match(/SECRET|optionOrder|answer/);
  });

  it("when the candidate view is built before release, then it carries no questions and no answers", () => {
    const v = toCandidateAttempt(attempt({ status: "ready", startedAt: null, deadline: null }), now, [
      toCandidateQuestion(q, 0),
    ]);
    expect(v.questions).to.equal(null);
    expect(v.answers).to.deep.equal([]);
    expect(v.deadline).to.equal(null);
  });

  it("when the candidate view is built for a paper with one saved and one flagged question, then it lists only those two", () => {
    const untouched = { choice: [], seq: 0, flagged: false, flagSeq: 0 };
    const v = toCandidateAttempt(
      attempt({
        questionCount: 4,
        answers: [
          untouched,
          { choice: ["B"], seq: 3, flagged: false, flagSeq: 0 },
          untouched,
          { choice: [], seq: 0, flagged: true, flagSeq: 4 },
        ] as unknown as AttemptLean["answers"],
      }),
      now,
      [0, 1, 2, 3].map((i) => toCandidateQuestion(q, i)),
    );
    expect(v.answers).to.deep.equal([
      { index: 1, choice: ["B"], flagged: false, seq: 3, flagSeq: 0 },
      { index: 3, choice: [], flagged: true, flagSeq: 4, seq: 0 },
    ]);
  });

  it("when the candidate view is built in progress, then it carries the server clock, the masked ID and the earliest hand-in", () => {
    const v = toCandidateAttempt(attempt(), now, [toCandidateQuestion(q, 0)]);
    expect(v).to.include({
      serverTime: now.getTime(),
      remainingMs: 30 * 60_000,
      idNumberMasked: "3201**********001X",
      lastSeq: 2,
    });
    expect(v.earliestSubmitAt).to.equal(new Date("2026-05-10T01:30:00Z").getTime());
    expect(v.missingSeqs).to.deep.equal([]);
  });

  it("when a result was graded with full marks summed as binary fractions, then the candidate sees them to the hundredth", () => {
    const v = toCandidateAttempt(
      attempt({
        status: "submitted",
        submittedAt: now,
        result: { score: 80, totalPoints: 100.0000000000001, passMark: 80, passed: true },
      } as Partial<AttemptLean>),
      now,
      [],
    );
    expect(v.result).to.include({ score: 80, totalPoints: 100 });
  });

  it("when the instance holding a candidate stopped beating, then the seat shows disconnected since the candidate's last connection", () => {
    const seenAt = new Date(now.getTime() - PRESENCE_STALE_MS - 1000);
    const live = new Set(["instance-b"]);
    const seat = toSeatView(attempt({ seenAt, heldBy: "instance-a" }), now, live);
    expect(seat.state).to.equal("disconnected");
    expect(seat.disconnectedSince).to.equal(seenAt.getTime());
    expect(toSeatView(attempt({ heldBy: "instance-b" }), now, live).state).to.equal("in_progress");
  });

  it("when a candidate dropped, then the seat shows disconnected since the drop, with answered/total", () => {
    const at = new Date(now.getTime() - 5000);
    const seat = toSeatView(attempt({ online: false, disconnectedAt: at }), now);
    expect(seat).to.include({
      state: "disconnected",
      disconnectedSince: at.getTime(),
      answered: 1,
      total: 1,
    });
  });
});
