import { expect } from "chai";
import type {
  AttemptClosedDto,
  AttemptStatus,
  CandidateAttemptDto,
  ClockDto,
  ClockEventDto,
} from "../../../server/contracts/exams.js";
import { useAttemptView } from "../../../client/src/features/exam/attempt-view.js";
import {
  anchorClock,
  newerAnchor,
  remainingMs,
  showsNewer,
  type ClockAnchor,
} from "../../../client/src/features/exam/exam-clock.js";

const MINUTE = 60_000;

/** A clock as the server sends it, read at `version` of the attempt. */
function clock(version: number, serverTime: number, paused: boolean, deadline: number): ClockDto {
  return { version, serverTime, deadline, paused, remainingMs: paused ? deadline - serverTime : null };
}

/** The messages in the order the page receives them, each kept or not as the exam store does. */
function receive(messages: { clock: ClockDto; at: number }[]): ClockAnchor | null {
  let shown: ClockAnchor | null = null;
  for (const m of messages) shown = newerAnchor(shown, anchorClock(m.clock, m.at));
  return shown;
}

describe("exam page: which clock the page shows when messages cross (client)", () => {
  it("when a sync reply read while paused arrives after the resume's clock event, then the page keeps the running clock", () => {
    const deadline = 100 * MINUTE;
    const shown = receive([
      // The pause (version 7), the resume (version 8) …
      { clock: clock(7, 10 * MINUTE, true, deadline), at: 0 },
      { clock: clock(8, 12 * MINUTE, false, deadline + 2 * MINUTE), at: 2 * MINUTE },
      // … then the reply to a sync read at version 7, built and sent a moment after the resume.
      { clock: clock(7, 12 * MINUTE + 50, true, deadline), at: 2 * MINUTE + 60 },
    ]);
    expect(shown?.version).to.equal(8);
    expect(shown?.paused).to.equal(false);
    // The countdown runs on: a minute later a minute less is shown.
    expect(remainingMs(shown, 3 * MINUTE)).to.equal(deadline + 2 * MINUTE - 13 * MINUTE);
  });

  it("when a newer version comes, then it is taken even with an earlier server time; of one version the least delayed reading wins", () => {
    const deadline = 100 * MINUTE;
    const older = anchorClock(clock(3, 20 * MINUTE, false, deadline), 0);
    const paused = anchorClock(clock(4, 20 * MINUTE - 5, true, deadline), 10);
    expect(newerAnchor(older, paused)).to.equal(paused);
    const laterAck = anchorClock(clock(4, 21 * MINUTE, true, deadline), 20);
    expect(newerAnchor(paused, laterAck)).to.equal(laterAck);
    const earlierAck = anchorClock(clock(4, 19 * MINUTE, true, deadline), 30);
    expect(newerAnchor(laterAck, earlierAck)).to.equal(laterAck);
  });

  it("when a save's ack arrives late (stamped before a slow database write), then the page keeps the prompter clock and does not show the ack's delay as extra time", () => {
    const deadline = 100 * MINUTE;
    // The clock event arrives 20 ms after the server sent it: the page's 1,000 ms is the server's 10 min + 20 ms.
    const prompt = { clock: clock(5, 10 * MINUTE, false, deadline), at: 1000 };
    // A save's ack of the same version, stamped at the server's 10 min + 5 s, then held 3 s by the write.
    const delayed = { clock: clock(5, 10 * MINUTE + 5000, false, deadline), at: 1000 + 5000 + 3000 };
    const shown = receive([prompt, delayed]);
    const now = 10_000;
    // The truth at `now`: the server's 10 min + 9,020 ms.
    const truth = deadline - (10 * MINUTE + 20 + (now - 1000));
    // Only the prompt clock's own 20 ms more, not the late ack's 3 s.
    expect(remainingMs(shown, now)).to.equal(truth + 20);
    expect(shown?.receivedAt).to.equal(1000);
    // The other way round (the late ack first), the prompter clock that follows replaces it.
    expect(
      receive([delayed, { clock: clock(5, 10 * MINUTE + 8990, false, deadline), at: 9000 }])?.receivedAt,
    ).to.equal(9000);
  });

  it("when a message of an older version arrives, then the status it carries is not shown; one of the same or a newer version is", () => {
    expect(showsNewer(null, 1)).to.equal(true);
    expect(showsNewer(8, 7)).to.equal(false);
    expect(showsNewer(8, 8)).to.equal(true);
    expect(showsNewer(8, 9)).to.equal(true);
  });
});

/** An attempt as a sync reply carries it, read at `version` (only what the view reads matters). */
function anAttempt(
  attemptId: string,
  version: number,
  status: AttemptStatus,
  deadline: number,
): CandidateAttemptDto {
  return {
    ...clock(version, 10 * MINUTE, false, deadline),
    attemptId,
    status,
    questions: null,
    answers: [],
    result: null,
  } as unknown as CandidateAttemptDto;
}

describe("exam page: the attempt's versions when the page moves on to another attempt (client)", () => {
  it("when the next attempt on the page has lower versions than the last one, then its clock and status are shown and its later messages taken", () => {
    const view = useAttemptView();
    view.applyAttempt(anAttempt("first", 40, "in_progress", 60 * MINUTE), 0);
    view.applyClosed({ ...closedAt("first", 41), status: "submitted" });
    expect(view.status.value).to.equal("submitted");

    // The next sitting (or the next candidate signing in on this page) starts at low versions.
    view.applyAttempt(anAttempt("second", 3, "in_progress", 90 * MINUTE), 1_000);
    expect(view.attempt.value?.attemptId).to.equal("second");
    expect(view.status.value).to.equal("in_progress");
    expect(view.clock.value).to.deep.include({ version: 3, deadline: 90 * MINUTE, paused: false });
    expect(view.result.value).to.equal(null);

    // Its pause (version 4) is shown, though the first attempt reached version 41.
    const pause: ClockEventDto = {
      ...clock(4, 11 * MINUTE, true, 90 * MINUTE),
      attemptId: "second",
      status: "in_progress",
      reason: "考场断电",
    };
    expect(view.applyClockEvent(pause, 2_000)).to.equal(true);
    expect(view.clock.value).to.deep.include({ version: 4, paused: true });
    expect(view.pauseReason.value).to.equal("考场断电");

    // A late message of the first attempt, at a higher version, changes nothing of the second's.
    view.applyAckClock("first", clock(45, 12 * MINUTE, false, 60 * MINUTE), 3_000);
    expect(
      view.applyClockEvent(
        { ...pause, ...clock(46, 12 * MINUTE, false, 60 * MINUTE), attemptId: "first" },
        3_000,
      ),
    ).to.equal(false);
    expect(view.applyClosed({ ...closedAt("first", 47), status: "voided" })).to.equal(false);
    expect(view.clock.value).to.deep.include({ version: 4, paused: true, deadline: 90 * MINUTE });
    expect(view.status.value).to.equal("in_progress");
  });

  it("when the page forgets the attempt (another candidate signed in), then the next attempt's first message is taken whatever its version", () => {
    const view = useAttemptView();
    view.applyAttempt(anAttempt("first", 30, "submitted", 60 * MINUTE), 0);
    view.reset();
    expect(view.attempt.value).to.equal(null);
    expect(view.status.value).to.equal(null);
    expect(view.clock.value).to.equal(null);
    const started: ClockEventDto = {
      ...clock(2, 5 * MINUTE, false, 65 * MINUTE),
      attemptId: "next",
      status: "in_progress",
      reason: null,
    };
    expect(view.applyClockEvent(started, 10)).to.equal(true);
    expect(view.status.value).to.equal("in_progress");
    expect(remainingMs(view.clock.value, 10)).to.equal(60 * MINUTE);
  });
});

function closedAt(attemptId: string, version: number): AttemptClosedDto {
  return {
    attemptId,
    status: "submitted",
    closeReason: "candidate",
    categoryCode: "01001",
    result: null,
    answers: [],
    serverTime: 0,
    version,
  };
}
