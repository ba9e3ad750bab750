import { expect } from "chai";
import type { CandidateAttemptDto } from "../../../server/contracts/exams.js";
import type { ExamNode } from "../../../scripts/bench/exam-node.js";
import { createFixtureSession } from "../../../scripts/bench/exam-fixtures.js";
import { eventually } from "../../helpers/eventually.js";
import { TEST_REDIS_URL, useExamNodes } from "../../helpers/exam-nodes.js";
import {
  call,
  candidateUser,
  checkInAll,
  connect,
  ok,
  proctorUser,
  type ExamSocket,
} from "./support/clients.js";

/**
 * One page answers for a seat, the newest. Two pages opening the attempt at the same moment on two
 * instances each told the other instance "I am the newest": each instance then shut out its own
 * page, and the seat showed online with no page at all.
 */
describe("exam delivery: two pages of a seat opened at once on two instances", function () {
  this.timeout(60_000);
  const env = useExamNodes(2, { redisUrl: TEST_REDIS_URL, sweepIntervalMs: 3_600_000 });

  /**
   * A seat of a fresh one-candidate session, checked in and released on `n0`, with its first page
   * (on `n0`) started. The first page goes into `pages`; the caller closes them and the proctor
   * (this closes them itself if the setup fails).
   */
  async function aStartedSeat(n0: ExamNode, pages: ExamSocket[]) {
    const { session, assignments } = await createFixtureSession(n0.ctx.conn, { candidates: 1 });
    const proctor = await connect(n0.url, proctorUser());
    try {
      await checkInAll(proctor, session.id, assignments);
      const user = candidateUser(session.id, assignments[0]!);
      const first = await connect(n0.url, user);
      pages.push(first);
      const started = new Promise<CandidateAttemptDto>((r) => first.once("attempt:started", r));
      ok(await call(first, "attempt:sync", {}));
      ok(await call(proctor, "proctor:release", { sessionId: session.id }));
      const { attemptId } = await started;
      return { session, proctor, user, first, attemptId };
    } catch (err) {
      for (const p of pages) p.close();
      proctor.close();
      throw err;
    }
  }

  /**
   * Page a connects on `aUrl`; once its connect is written (`aIsWritten`), page b on `bUrl`. The
   * first page and a must be shut out, and b, the newest, must save.
   */
  async function olderThenNewer(
    seat: { pages: ExamSocket[]; user: Parameters<typeof connect>[1]; first: ExamSocket; attemptId: string },
    aUrl: string,
    aIsWritten: Promise<void>,
    bUrl: string,
  ) {
    const { pages, user, first, attemptId } = seat;
    const a = await connect(aUrl, user);
    pages.push(a);
    void call(a, "attempt:sync", {}).catch(() => undefined);
    await aIsWritten;
    const b = await connect(bUrl, user);
    pages.push(b);
    void call(b, "attempt:sync", {}).catch(() => undefined);
    await eventually(() => !first.connected && !a.connected, { what: "the older pages shut out" });
    expect(b.connected, "the newest page").to.equal(true);
    const saved = ok(await call(b, "attempt:answer", { attemptId, seq: 1, index: 0, choice: ["T"] }));
    expect(saved).to.include({ applied: true });
  }

  it("when both pages connect at the same moment, then exactly one of them keeps the seat and saves", async () => {
    const [n0, n1] = env.nodes;
    if (!n0 || !n1) throw new Error("nodes");
    const pages: ExamSocket[] = [];
    const restore: (() => void)[] = [];
    const { session, proctor, user, first, attemptId } = await aStartedSeat(n0, pages);
    try {
      // "At the same moment": neither instance marks its page online, nor lets a message to the
      // other instance out, before both pages have reached that point.
      let arrived = 0;
      let together: () => void = () => undefined;
      const both = new Promise<void>((resolve) => (together = resolve));
      for (const n of [n0, n1]) {
        const { exams } = n.delivery;
        const markOnline = exams.markOnline;
        exams.markOnline = async (id: string) => {
          if (++arrived === 2) together();
          await both;
          return markOnline(id);
        };
        const emit = n.io.serverSideEmit.bind(n.io);
        n.io.serverSideEmit = ((...args: Parameters<typeof emit>) => {
          void both.then(() => emit(...args));
          return true;
        }) as typeof n.io.serverSideEmit;
        restore.push(() => {
          exams.markOnline = markOnline;
          n.io.serverSideEmit = emit;
        });
      }
      const [a, b] = await Promise.all([connect(n0.url, user), connect(n1.url, user)]);
      pages.push(a, b);
      // A page shut out may never get its answer: the sync's ack is not waited for.
      void call(a, "attempt:sync", {}).catch(() => undefined);
      void call(b, "attempt:sync", {}).catch(() => undefined);
      await both;
      await eventually(() => !first.connected && !(a.connected && b.connected), {
        what: "the older pages shut out",
      });
      // Every take-over message has been answered once a further round trip to each instance
      // comes back (the console watches on n0, a fresh proctor asks n1).
      const other = await connect(n1.url, proctorUser());
      pages.push(other);
      ok(await call(proctor, "proctor:watch", { sessionId: session.id }));
      ok(await call(other, "proctor:watch", { sessionId: session.id }));
      const kept = [a, b].filter((p) => p.connected);
      expect(kept, "pages left connected").to.have.length(1);
      const saved = ok(
        await call(kept[0]!, "attempt:answer", { attemptId, seq: 1, index: 0, choice: ["T"] }),
      );
      expect(saved).to.include({ applied: true });
    } finally {
      for (const r of restore) r();
      for (const p of pages) p.close();
      proctor.close();
    }
  });

  it("when the older page's connect is written first but answers only after the newer page's announcement, then the older page goes and the newer one saves", async () => {
    const [n0, n1] = env.nodes;
    if (!n0 || !n1) throw new Error("nodes");
    const pages: ExamSocket[] = [];
    const restore: (() => void)[] = [];
    const { proctor, user, first, attemptId } = await aStartedSeat(n0, pages);
    try {
      // Page a's connect (on n0) is written before page b's (on n1), but n0 learns its own
      // generation only after n1 has announced b's: a must judge itself by the announcement.
      let aWritten: () => void = () => undefined;
      const aIsWritten = new Promise<void>((resolve) => (aWritten = resolve));
      let bAnnounced: () => void = () => undefined;
      const bIsAnnounced = new Promise<void>((resolve) => (bAnnounced = resolve));
      const slow = n0.delivery.exams;
      const slowMark = slow.markOnline;
      slow.markOnline = async (id: string) => {
        const written = await slowMark(id);
        aWritten();
        await bIsAnnounced;
        return written;
      };
      const quick = n1.delivery.exams;
      const quickMark = quick.markOnline;
      quick.markOnline = async (id: string) => {
        await aIsWritten;
        return quickMark(id);
      };
      const heard = (...args: unknown[]) => {
        if ((args[0] as { attemptId?: string } | undefined)?.attemptId === attemptId)
          // n0's own listener (attached at boot, so before this one) has taken the announcement in:
          // a's connect may answer once this emit's listeners are done.
          setImmediate(bAnnounced);
      };
      n0.io.on("attempt:take_over", heard);
      restore.push(() => {
        slow.markOnline = slowMark;
        quick.markOnline = quickMark;
        n0.io.off("attempt:take_over", heard);
      });
      await olderThenNewer({ pages, user, first, attemptId }, n0.url, aIsWritten, n1.url);
    } finally {
      for (const r of restore) r();
      for (const p of pages) p.close();
      proctor.close();
    }
  });

  it("when two pages on one instance connect and the older one's write answers after the newer one's, then the older page goes and the newer one saves", async () => {
    const [n0] = env.nodes;
    if (!n0) throw new Error("nodes");
    const pages: ExamSocket[] = [];
    const { proctor, user, first, attemptId } = await aStartedSeat(n0, pages);
    const exams = n0.delivery.exams;
    const markOnline = exams.markOnline;
    try {
      let aWritten: () => void = () => undefined;
      const aIsWritten = new Promise<void>((resolve) => (aWritten = resolve));
      let bAnswered: () => void = () => undefined;
      const bHasAnswered = new Promise<void>((resolve) => (bAnswered = resolve));
      let calls = 0;
      exams.markOnline = async (id: string) => {
        if (++calls === 1) {
          const written = await markOnline(id);
          aWritten();
          await bHasAnswered;
          return written;
        }
        await aIsWritten;
        const written = await markOnline(id);
        // b's page acts on its answer first (adopt, up to its announcement, runs in the microtasks
        // after this return); a's answer follows, once they have run.
        setImmediate(bAnswered);
        return written;
      };
      await olderThenNewer({ pages, user, first, attemptId }, n0.url, aIsWritten, n0.url);
    } finally {
      exams.markOnline = markOnline;
      for (const p of pages) p.close();
      proctor.close();
    }
  });

  it("when an instance of the version before generations announces a take-over, then this instance's page of the seat goes", async () => {
    const [n0, n1] = env.nodes;
    if (!n0 || !n1) throw new Error("nodes");
    const pages: ExamSocket[] = [];
    const { proctor, first: page, attemptId } = await aStartedSeat(n0, pages);
    try {
      const taken = new Promise((resolve) => page.once("attempt:taken_over", resolve));
      // The older version's message: the newest page's socket id, no generation.
      const oldMessage = { attemptId, newest: "a-socket-of-the-old-version" } as unknown as {
        attemptId: string;
        gen: number;
      };
      n1.io.serverSideEmit("attempt:take_over", oldMessage);
      await taken;
      await eventually(() => !page.connected, { what: "the page shut out" });
    } finally {
      for (const p of pages) p.close();
      proctor.close();
    }
  });
});
