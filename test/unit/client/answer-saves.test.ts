import { expect } from "chai";
import { ref } from "vue";
import { useAnswerSlots } from "../../../client/src/features/exam/answer-slots.js";
import { handIn } from "../../../client/src/features/exam/hand-in.js";
import {
  useAttemptJournal,
  type AttemptJournalDeps,
} from "../../../client/src/features/exam/use-attempt-journal.js";
import { aSeatServer, settle, type Arrival } from "./support/seat-server.js";

let attempts = 0;

/**
 * The candidate's page as far as saving goes: the attempt's journal as the store holds it (in
 * memory, as without IndexedDB), the slots the sheet shows, and the save pipeline, sending to a
 * fake server that decides with the real server's seq rule.
 */
async function aPage(questions = 6, outcomes: Partial<Pick<AttemptJournalDeps, "overtaken">> = {}) {
  const attemptId = `attempt-${++attempts}`;
  const server = aSeatServer(attemptId, questions);
  // The socket's state as the page sees it: a save sent while offline is not sent at all.
  let online = true;
  const { slots, slot, saveState } = useAnswerSlots(ref(true));
  const refusals: string[] = [];
  const attemptJournal = useAttemptJournal({
    transport: {
      connected: () => online && server.transport.connected(),
      emit: (entry) => server.transport.emit(entry),
    },
    fillMissing: () => Promise.resolve(),
    // No attempt read: the replay sends no fillers (save-retry.test.ts covers them).
    attempt: () => null,
    slots,
    slot,
    msToDeadline: () => null,
    resendDue: () => online,
    syncing: () => null,
    // Not running: a failed save arms no retry timer (there is no window here).
    running: () => false,
    stored: () => undefined,
    refused: (_entry, error) => refusals.push(error.code),
    overtaken: () => undefined,
    ...outcomes,
  });
  const journal = await attemptJournal.follow(attemptId, 0);
  const saves = attemptJournal.saves;
  const answer = (index: number, ...choice: string[]) => saves.change({ kind: "answer", index, choice });
  const flag = (index: number, flagged: boolean) => saves.change({ kind: "flag", index, flagged });
  /** 交卷 as the store does it, against the fake server. */
  const handInNow = () =>
    handIn({
      lastSeq: () => journal.lastSeq,
      saves,
      replayMissing: (missing) => attemptJournal.replay(missing),
      submit: (lastSeq) => server.submit(lastSeq),
    });
  /** What the store runs once the socket connects again (between its two syncs). */
  const reconnect = () => attemptJournal.replay([]);
  const goOffline = () => {
    online = false;
  };
  return {
    server,
    journal,
    slot,
    saveState,
    saves,
    refusals,
    answer,
    flag,
    handIn: handInNow,
    reconnect,
    goOffline,
  };
}

/** The page's saves of question `index` the server applied, in order: answers, or `flag:<value>`. */
function appliedOf(sent: Arrival[], index: number): string[] {
  return sent
    .filter((x) => x.index === index && x.outcome === "applied")
    .map((x) => x.choice?.join("") ?? `flag:${x.flagged}`);
}

/** What the page sent, as the server took it in, from the arrival `from` on. */
function pageArrivals(arrivals: Arrival[], from = 0): string[] {
  return arrivals
    .slice(from)
    .filter((a) => a.from === "page")
    .map((a) => `${a.seq} Q${a.index} ${a.choice?.join("") ?? `flag:${a.flagged}`} ${a.outcome}`);
}

describe("exam page: saves numbered anew after seq_conflict (client)", () => {
  it("when another page took the seqs of several pending saves, then each question's latest change is stored once, in order, and the server misses no seq", async () => {
    const page = await aPage();
    page.answer(0, "T");
    page.answer(1, "T");
    page.answer(2, "A");
    page.answer(3, "B");
    await page.server.deliverAll();
    const before = page.server.arrivals.length;

    // Offline for a moment: the candidate changes question 1 twice, question 2 once and flags 3 …
    page.answer(1, "B");
    page.answer(2, "C");
    page.answer(1, "D");
    page.flag(3, true);
    await settle();
    expect(page.server.inFlight()).to.equal(4);
    // … while the kiosk's previous page (reloaded over) sent seqs 5 to 8 of its own.
    page.server.fromOtherPage({ seq: 5, kind: "answer", index: 1, choice: ["A"] });
    page.server.fromOtherPage({ seq: 6, kind: "answer", index: 4, choice: ["C"] });
    page.server.fromOtherPage({ seq: 7, kind: "answer", index: 5, choice: ["A"] });
    page.server.fromOtherPage({ seq: 8, kind: "flag", index: 3, flagged: false });
    await page.server.deliverAll();

    const sent = page.server.arrivals.slice(before).filter((x) => x.from === "page");
    const why = pageArrivals(page.server.arrivals, before).join(", ");
    // The refusals happened (question 1's seq 5 and question 3's flag seq 8, at least) …
    expect(sent.filter((x) => x.outcome === "seq_conflict").length, why).to.be.at.least(2);
    // … and each question's latest change was stored exactly once, after any older one of it.
    expect(appliedOf(sent, 1), why).to.deep.equal(["D"]);
    expect(appliedOf(sent, 2), why).to.deep.equal(["C"]);
    expect(appliedOf(sent, 3), why).to.deep.equal(["flag:true"]);
    // Question 1's refused "B" is not sent again under a new seq: its newer "D" was on its way.
    expect(
      sent.filter((x) => x.index === 1 && x.choice?.join("") === "B"),
      why,
    ).to.have.length(1);
    // Every seq the page sent after a refusal is above the last the server had received.
    for (const x of sent.filter((y) => y.seq > 8)) expect(x.outcome, why).to.equal("applied");
    expect(page.server.answers.map((x) => x.choice.join(""))).to.deep.equal(["T", "D", "C", "B", "C", "A"]);
    expect(page.server.answers.map((x) => x.flagged)).to.deep.equal([
      false,
      false,
      false,
      true,
      false,
      false,
    ]);
    // The screen shows what is stored, each question saved; nothing is left to send or to wait for.
    expect([0, 1, 2, 3].map((i) => page.slot(i).choice.join(""))).to.deep.equal(["T", "D", "C", "B"]);
    expect(page.slot(3).flagged).to.equal(true);
    expect([0, 1, 2, 3].map((i) => page.saveState(i))).to.deep.equal(["saved", "saved", "saved", "saved"]);
    expect(page.journal.pending()).to.deep.equal([]);
    expect(page.saves.pendingCount.value).to.equal(0);
    expect(page.server.missing()).to.deep.equal([]);
    expect(page.journal.lastSeq).to.equal(page.server.lastSeq);
  });

  it("when the candidate changes the answer while the refused save is being numbered anew, then the later change is the one stored and shown, whenever it comes", async () => {
    // Every point at which the change can come between the refusal's arrival and the renumbered
    // save's numbering (the journal's steps are promise turns): none may let the older answer win.
    for (let turns = 0; turns <= 40; turns++) {
      const page = await aPage(1);
      page.answer(0, "A");
      await page.server.deliverAll();
      page.answer(0, "B");
      await settle();
      page.server.fromOtherPage({ seq: 2, kind: "answer", index: 0, choice: ["C"] });
      page.server.deliverOne();
      for (let i = 0; i < turns; i++) await Promise.resolve();
      page.answer(0, "D");
      await page.server.deliverAll();

      const why = `change after ${turns} turns: ${pageArrivals(page.server.arrivals).join(", ")}`;
      expect(page.server.answers[0]?.choice, why).to.deep.equal(["D"]);
      expect(page.slot(0).choice, why).to.deep.equal(["D"]);
      expect(page.saveState(0), why).to.equal("saved");
      expect(page.journal.pending(), why).to.deep.equal([]);
      expect(page.server.missing(), why).to.deep.equal([]);
    }
  });

  it("when a refused save was sent twice (a resend after its timed-out ack crossed it), then it is numbered anew once, and a later change still wins", async () => {
    const page = await aPage(2);
    page.answer(0, "A");
    await page.server.deliverAll();
    page.answer(0, "B");
    await settle();
    page.server.fromOtherPage({ seq: 2, kind: "answer", index: 0, choice: ["C"] });
    // The same save goes again while the first is in flight (the first's ack timed out; the retry
    // timer's resend only waits for saves nobody has given up on).
    const entry = page.journal.pending()[0];
    if (!entry) throw new Error("no pending save");
    const replayed = page.saves.send(entry);
    await settle();
    expect(page.server.inFlight()).to.equal(2);
    page.server.deliverOne();
    page.server.deliverOne();
    await settle();
    page.answer(0, "D");
    await page.server.deliverAll();
    await replayed;
    await page.server.deliverAll();

    expect(pageArrivals(page.server.arrivals)).to.deep.equal([
      "1 Q0 A applied",
      "2 Q0 B seq_conflict",
      "2 Q0 B seq_conflict",
      "3 Q0 B applied",
      "4 Q0 D applied",
    ]);
    expect(page.server.answers[0]?.choice).to.deep.equal(["D"]);
    expect(page.slot(0).choice).to.deep.equal(["D"]);
    expect(page.server.missing()).to.deep.equal([]);
  });
});

describe("exam page: a save the server acknowledged without applying it (client)", () => {
  it("when another page stored a later answer to the question than this page's save, then the page does not show its own as the one saved but asks the server again", async () => {
    const overtaken: number[] = [];
    const page = await aPage(2, { overtaken: (entry) => overtaken.push(entry.index) });
    page.answer(1, "A");
    await page.server.deliverAll();
    page.answer(0, "B");
    await settle();
    // The other page's seq 3 landed first (its seq 2 never arrived): "C" for question 0.
    page.server.fromOtherPage({ seq: 3, kind: "answer", index: 0, choice: ["C"] });
    await page.server.deliverAll();

    expect(pageArrivals(page.server.arrivals).at(-1)).to.equal("2 Q0 B not_applied");
    expect(page.server.answers[0]).to.deep.include({ choice: ["C"], seq: 3 });
    // "B" is on screen but "C" is graded: the page resyncs, which shows "C".
    expect(overtaken).to.deep.equal([0]);
    expect(page.journal.pending()).to.deep.equal([]);
  });

  it("when the later stored save is this page's own (a lost ack, resent), then nothing is asked", async () => {
    const overtaken: number[] = [];
    const page = await aPage(1, { overtaken: (entry) => overtaken.push(entry.index) });
    page.answer(0, "A");
    page.answer(0, "B");
    await page.server.deliverAll();
    // The first save is resent (its ack was lost): the server holds the page's newer one.
    const resent = page.saves.send({
      attemptId: page.journal.attemptId,
      seq: 1,
      kind: "answer",
      index: 0,
      choice: ["A"],
      at: 0,
    });
    await page.server.deliverAll();
    expect((await resent).ok).to.equal(true);
    expect(pageArrivals(page.server.arrivals).at(-1)).to.equal("1 Q0 A not_applied");
    expect(overtaken).to.deep.equal([]);
    expect(page.saveState(0)).to.equal("saved");
  });
});

describe("exam page: handing in while a save is numbered anew (client)", () => {
  it("when the renumbered save is refused seq_conflict again during the hand-in, then the hand-in waits for its next number and the answer is stored before the attempt closes", async () => {
    const page = await aPage(2);
    page.answer(0, "A");
    await page.server.deliverAll();
    page.answer(1, "B");
    await settle();
    // The kiosk's previous page is still sending: its seq 2 lands before this page's …
    page.server.fromOtherPage({ seq: 2, kind: "answer", index: 0, choice: ["C"] });
    const handedIn = page.handIn();
    await settle();
    page.server.deliverOne();
    await settle();
    // … and its seq 3 right after the refusal that had this page number "B" anew as 3.
    page.server.fromOtherPage({ seq: 3, kind: "flag", index: 0, flagged: true });
    await page.server.deliverAll();
    const ack = await handedIn;

    const why = `${pageArrivals(page.server.arrivals).join(", ")}; hand-ins ${JSON.stringify(page.server.handIns)}`;
    expect(ack.ok, why).to.equal(true);
    expect(page.server.closed, why).to.equal(true);
    // "B" was stored before the close, under a seq the hand-in named …
    expect(page.server.answers[1]?.choice, why).to.deep.equal(["B"]);
    expect(page.server.handIns.at(-1)?.lastSeq, why).to.be.at.least(page.server.answers[1]?.seq ?? 0);
    // … no save of the page was refused as too late, and nothing is left unsent.
    expect(
      pageArrivals(page.server.arrivals).filter((a) => a.endsWith("attempt_closed")),
      why,
    ).to.deep.equal([]);
    expect(page.journal.pending(), why).to.deep.equal([]);
  });

  it("when the save in flight at the hand-in is refused seq_conflict once, then it is stored under its new number before the close, and sent once under it", async () => {
    const page = await aPage(2);
    page.answer(1, "B");
    await settle();
    page.server.fromOtherPage({ seq: 1, kind: "answer", index: 0, choice: ["C"] });
    const ack = page.handIn();
    await page.server.deliverAll();

    const why = pageArrivals(page.server.arrivals).join(", ");
    expect((await ack).ok, why).to.equal(true);
    expect(page.server.answers[1]?.choice, why).to.deep.equal(["B"]);
    expect(
      pageArrivals(page.server.arrivals).filter((a) => a.startsWith("2 Q1 B")),
      why,
    ).to.deep.equal(["2 Q1 B applied"]);
    expect(page.server.handIns, why).to.deep.equal([{ lastSeq: 2, outcome: "closed", missing: [] }]);
  });
});

describe("exam page: one resend of the journal for reconnect and hand-in (client)", () => {
  it("when the socket reconnects while a save is in flight, then that save is sent once", async () => {
    const page = await aPage(2);
    page.answer(0, "A");
    page.answer(1, "B");
    await settle();
    expect(page.server.inFlight()).to.equal(2);
    // The socket is back (its connect event runs the replay) while both saves are on their way.
    const replayed = page.reconnect();
    await page.server.deliverAll();
    await replayed;

    expect(pageArrivals(page.server.arrivals)).to.deep.equal(["1 Q0 A applied", "2 Q1 B applied"]);
    expect(page.journal.pending()).to.deep.equal([]);
    expect(page.server.missing()).to.deep.equal([]);
  });

  it("when hand-in, offline, finds an entry it could not confirm, then it sends no attempt:submit and names that question as unconfirmed", async () => {
    const page = await aPage(3);
    page.answer(0, "A");
    await page.server.deliverAll();
    // The network goes: question 1's answer stays in the journal, never confirmed.
    page.goOffline();
    page.answer(1, "B");
    await settle();
    const handedIn = page.handIn();
    await page.server.deliverAll();
    const ack = await handedIn;

    expect(ack.ok).to.equal(false);
    expect(!ack.ok && ack.error.code).to.equal("offline");
    expect(ack.unconfirmed).to.deep.equal([1]);
    // Sent while the socket is down, `attempt:submit` would wait in socket.io's buffer and could
    // close the attempt once it reconnects, after the page had told the candidate it failed.
    expect(page.server.handIns).to.deep.equal([]);
    expect(page.server.closed).to.equal(false);
    expect(page.journal.pending().map((e) => e.seq)).to.deep.equal([2]);
  });
});
