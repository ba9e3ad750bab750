import { expect } from "chai";
import type { CandidateAttemptDto, ClockEventDto } from "../../../server/contracts/exams.js";
import { call, ok } from "./support/clients.js";
import { aRoom, useExamNode } from "./support/setup.js";

/**
 * A candidate's page hears its clock from several messages that can cross: the reply to a sync
 * is built from the attempt as read, and a resume committed meanwhile is pushed as `attempt:clock`
 * before that reply leaves. The page took whichever came last, so a sync read while paused and
 * answered after the resume left it "paused" while the server's clock ran. Every clock-bearing
 * message now carries the attempt's version (its event count) as read, and the page keeps the
 * newest.
 */
/** `p`, or a failure naming `what` when it has not come after a generous wait. */
function arrives<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} never came`)), 10_000).unref()),
  ]);
}

describe("exam delivery: the order of clock-bearing messages", function () {
  this.timeout(60_000);
  /** While armed, the build of a candidate's view waits here (after the attempt was read). */
  const gate: { armed: boolean; reached: (() => void) | null; open: Promise<void> | null } = {
    armed: false,
    reached: null,
    open: null,
  };
  const env = useExamNode({
    options: {
      beforeCandidateView: async () => {
        if (!gate.armed) return;
        gate.armed = false;
        gate.reached?.();
        await gate.open;
      },
    },
  });

  it("when a sync read while paused is answered after the resume's clock event, then its version is older than the resume's, which runs", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    const page = c.socket;
    try {
      const paused = new Promise<ClockEventDto>((r) => page.once("attempt:clock", r));
      ok(await call(room.proctor, "proctor:pause", { sessionId: room.session.id, reason: "考场停电" }));
      const pause = await paused;
      expect(pause.paused).to.equal(true);

      // The page resyncs (a reconnect, say); its view is read paused and held before it is built.
      let openGate: () => void = () => undefined;
      gate.open = new Promise<void>((resolve) => (openGate = resolve));
      const reached = new Promise<void>((resolve) => (gate.reached = resolve));
      gate.armed = true;
      const reply = call(page, "attempt:sync", { attemptId: c.attemptId });
      await arrives(reached, "the held view build");

      // Meanwhile the proctor resumes: the page hears the running clock first …
      const resumed = new Promise<ClockEventDto>((r) => page.once("attempt:clock", r));
      ok(await call(room.proctor, "proctor:resume", { sessionId: room.session.id }));
      const resume = await resumed;
      expect(resume.paused).to.equal(false);
      // … and the reply built from the paused read afterwards.
      openGate();
      const late: CandidateAttemptDto = ok(await reply);
      expect(late.paused).to.equal(true);

      // The page can tell which is newer: the resume's version, not the later serverTime.
      expect(pause.version).to.be.a("number");
      expect(late.version).to.equal(pause.version);
      expect(resume.version).to.be.greaterThan(late.version);
      // A sync now reads the running clock at the resume's version or later.
      const fresh = ok(await call(page, "attempt:sync", { attemptId: c.attemptId }));
      expect(fresh.paused).to.equal(false);
      expect(fresh.version).to.be.at.least(resume.version);
      // A save's ack carries the version too: not older than the resume it follows.
      const ack = ok(
        await call(page, "attempt:answer", { attemptId: c.attemptId, seq: 1, index: 0, choice: ["T"] }),
      );
      expect(ack.version).to.be.greaterThan(resume.version);
      expect(ack.paused).to.equal(false);
    } finally {
      gate.armed = false;
      room.close();
    }
  });
});
