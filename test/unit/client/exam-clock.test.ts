import { expect } from "chai";
import type { ClockDto } from "../../../server/contracts/exams.js";
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

  it("when a newer version comes, then it is taken even with an earlier server time; of one version the later server time wins", () => {
    const deadline = 100 * MINUTE;
    const older = anchorClock(clock(3, 20 * MINUTE, false, deadline), 0);
    const paused = anchorClock(clock(4, 20 * MINUTE - 5, true, deadline), 10);
    expect(newerAnchor(older, paused)).to.equal(paused);
    const laterAck = anchorClock(clock(4, 21 * MINUTE, true, deadline), 20);
    expect(newerAnchor(paused, laterAck)).to.equal(laterAck);
    const earlierAck = anchorClock(clock(4, 19 * MINUTE, true, deadline), 30);
    expect(newerAnchor(laterAck, earlierAck)).to.equal(laterAck);
  });

  it("when a message of an older version arrives, then the status it carries is not shown; one of the same or a newer version is", () => {
    expect(showsNewer(null, 1)).to.equal(true);
    expect(showsNewer(8, 7)).to.equal(false);
    expect(showsNewer(8, 8)).to.equal(true);
    expect(showsNewer(8, 9)).to.equal(true);
  });
});
