import { expect } from "chai";
import { ref } from "vue";
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
