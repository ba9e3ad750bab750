import { expect } from "chai";
import { ref } from "vue";
import { AnswerJournal } from "../../../client/src/features/exam/answer-journal.js";
import { useAnswerSlots } from "../../../client/src/features/exam/answer-slots.js";
import { useAttemptJournal } from "../../../client/src/features/exam/use-attempt-journal.js";

let attempts = 0;

/** The attempt's journal as the exam store holds it (in memory, as without IndexedDB), never sending. */
function aPageJournal() {
  const { slots, slot } = useAnswerSlots(ref(false));
  const journal = useAttemptJournal({
    transport: { connected: () => false, emit: () => new Promise(() => undefined) },
    fillMissing: () => Promise.resolve(),
    attempt: () => null,
    slots,
    slot,
    msToDeadline: () => null,
    resendDue: () => false,
    syncing: () => null,
    running: () => false,
    stored: () => undefined,
    refused: () => undefined,
    overtaken: () => undefined,
  });
  return { journal, attemptId: `attempt-${++attempts}` };
}

describe("exam page: the attempt's journal opened by a sync and a close at once (client)", () => {
  it("when the sync and the close both open the attempt's journal before either has it, then they share one journal, the page's", async () => {
    const { journal, attemptId } = aPageJournal();
    const [bySync, byClose] = await Promise.all([journal.follow(attemptId, 0), journal.follow(attemptId, 3)]);
    expect(bySync).to.equal(byClose);
    expect(journal.current()).to.equal(bySync);
    expect(bySync.lastSeq).to.equal(3);
  });

  it("when the page forgets the attempt while its journal is opening, then the journal opened is not taken as the page's", async () => {
    const { journal, attemptId } = aPageJournal();
    const opening = journal.follow(attemptId, 0);
    journal.forget();
    await opening;
    expect(journal.current()).to.equal(null);
  });
});

/**
 * Browser storage as `idb` hands it to the journal, reduced to what the journal calls: it takes
 * writes until `refuse` is set (a full quota, a storage the browser revoked), then refuses them.
 */
function aStore() {
  const state = { refuse: false, writes: 0 };
  const write = () => {
    if (state.refuse) return Promise.reject(new DOMException("quota", "QuotaExceededError"));
    state.writes++;
    return Promise.resolve();
  };
  const db = {
    get: () => Promise.resolve(undefined),
    getAllFromIndex: () => Promise.resolve([]),
    put: write,
    delete: write,
    transaction: () => ({
      objectStore: () => ({ put: write, delete: write }),
      get done() {
        return write();
      },
    }),
  };
  // The fake stands for `IDBPDatabase<JournalDb>` only as far as the journal uses it.
  return { state, db: db as never };
}

describe("exam page: browser storage refusing the journal's writes (client)", () => {
  it("when the store refuses an answer's write, then the journal is no longer durable and still holds the answer", async () => {
    const store = aStore();
    const journal = await AnswerJournal.open(`attempt-${++attempts}`, Promise.resolve(store.db));
    expect(journal.durable).to.equal(true);
    await journal.record({ kind: "answer", index: 0, choice: ["A"] }).stored;
    expect(journal.durable).to.equal(true);
    store.state.refuse = true;
    const { entry, stored } = journal.record({ kind: "answer", index: 1, choice: ["B"] });
    await stored;
    expect(journal.durable).to.equal(false);
    expect(journal.holds(entry.seq)).to.equal(true);
  });

  it("when the store refuses the server's last seq (a catch-up), then the journal is no longer durable", async () => {
    const store = aStore();
    const journal = await AnswerJournal.open(`attempt-${++attempts}`, Promise.resolve(store.db));
    expect(journal.durable).to.equal(true);
    store.state.refuse = true;
    await journal.catchUp(7);
    expect(journal.durable).to.equal(false);
    expect(journal.lastSeq).to.equal(7);
  });

  it("when the store refuses a write after the page opened the journal, then the page's durable flag turns false with it", async () => {
    const store = aStore();
    const { slots, slot } = useAnswerSlots(ref(false));
    const page = useAttemptJournal({
      transport: { connected: () => false, emit: () => new Promise(() => undefined) },
      fillMissing: () => Promise.resolve(),
      attempt: () => null,
      slots,
      slot,
      msToDeadline: () => null,
      resendDue: () => false,
      syncing: () => null,
      running: () => false,
      stored: () => undefined,
      refused: () => undefined,
      overtaken: () => undefined,
      journalStore: () => Promise.resolve(store.db),
    });
    const j = await page.follow(`attempt-${++attempts}`, 0);
    expect(page.durable.value).to.equal(true);
    store.state.refuse = true;
    page.saves.change({ kind: "answer", index: 2, choice: ["C"] });
    await j.record({ kind: "flag", index: 2, flagged: true }).stored;
    expect(page.durable.value).to.equal(false);
    expect(page.pendingCount.value).to.be.greaterThan(0);
  });
});
