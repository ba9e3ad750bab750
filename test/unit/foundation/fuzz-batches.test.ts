import { expect } from "chai";
import { FuzzProblems } from "../../helpers/fuzz.js";
import { runChecked, uncheckedRefusals, type BatchStore } from "../../helpers/fuzz-batches.js";
import type { FuzzOutcome } from "../../helpers/fuzz-http.js";
import type { StoreSnapshot } from "../../helpers/store-snapshot.js";

/**
 * The fuzz sweep's store checks (test/helpers/fuzz-batches.ts): refusals share comparisons, but
 * every refusal is still followed by one with no accepted input in between, and a refusal that
 * writes is caught and named.
 */

/** One fake input: accepted or refused, and whether handling it writes a document. */
type Input = { accept: boolean; writes?: boolean };

/** A store of one collection whose documents are counted; reads are counted too. */
function fakeStore(): BatchStore & { docs: number; reads: number } {
  const store = {
    docs: 0,
    reads: 0,
    read: async (): Promise<StoreSnapshot> => {
      store.reads += 1;
      return new Map([["things", { count: store.docs, hash: String(store.docs) }]]);
    },
    busy: async () => false,
    describe: async () => "",
    sleep: async () => undefined,
  };
  return store;
}

const refusal: FuzzOutcome = { status: 400, body: { error: { code: "bad_input", message: "输入有误" } } };
const acceptance: FuzzOutcome = { status: 200, body: {} };

async function sweep(inputs: Input[]) {
  const store = fakeStore();
  const problems = new FuzzProblems();
  const sentAt = new Map<number, number>();
  const run = await runChecked(store, {
    cases: inputs,
    problems,
    send: async (c, index) => {
      sentAt.set(index, (sentAt.get(index) ?? 0) + 1);
      if (c.writes) store.docs += 1;
      return { outcome: c.accept ? acceptance : refusal, what: `input ${index}` };
    },
  });
  return { run, problems, store, sentAt };
}

describe("fuzz store checks", () => {
  it("when every input is refused and nothing is written, then few comparisons cover every refusal", async () => {
    const { run, problems, store } = await sweep(Array.from({ length: 1000 }, () => ({ accept: false })));
    expect(problems.list).to.deep.equal([]);
    expect(run.refused).to.equal(1000);
    expect(run.checkedRefusals).to.equal(1000);
    // One comparison per 25-input batch would be 40 reads beside the baseline's.
    expect(store.reads).to.be.at.most(10);
  });

  it("when one refusal among a thousand writes, then the sweep fails and names that input", async () => {
    const inputs: Input[] = Array.from({ length: 1000 }, () => ({ accept: false }));
    inputs[612] = { accept: false, writes: true };
    const { problems } = await sweep(inputs);
    expect(problems.list.length).to.be.greaterThan(0);
    expect(problems.list[0]).to.match(/was refused but changed stored data: things: \d+ → \d+ documents/);
    const narrowed = problems.list.find((p) => p.includes("narrowed to"));
    expect(narrowed).to.include("input 612");
    expect(narrowed).not.to.include("input 611 ");
  });

  it("when accepted inputs that write are mixed with refusals, then the refusals are sent again on their own and pass", async () => {
    const inputs: Input[] = Array.from({ length: 300 }, (_, i) => ({
      accept: i % 7 === 0,
      writes: i % 7 === 0,
    }));
    const { run, problems, sentAt } = await sweep(inputs);
    expect(problems.list).to.deep.equal([]);
    expect(run.checkedRefusals).to.equal(run.refused);
    expect(sentAt.get(1)).to.equal(2);
    expect(sentAt.get(0)).to.equal(1);
  });

  it("when a refusal writes in a batch that also had accepted inputs, then its replay is caught", async () => {
    const inputs: Input[] = Array.from({ length: 300 }, (_, i) => ({
      accept: i % 7 === 0,
      writes: i % 7 === 0,
    }));
    inputs[45] = { accept: false, writes: true };
    const { problems } = await sweep(inputs);
    expect(problems.list.join("\n")).to.include("input 45");
  });

  it("when accepted inputs write nothing, then the refusals beside them are covered without being sent again", async () => {
    const inputs: Input[] = Array.from({ length: 300 }, (_, i) => ({ accept: i % 7 === 0 }));
    const { run, problems, sentAt, store } = await sweep(inputs);
    expect(problems.list).to.deep.equal([]);
    expect(run.checkedRefusals).to.equal(run.refused);
    expect([...sentAt.values()].every((n) => n === 1)).to.equal(true);
    expect(store.reads).to.be.at.most(20);
  });

  it("when a refusal sent again is accepted then, then the others are sent once more and only it stays unchecked", async () => {
    // Input 0 is accepted and writes; input 3 is refused at first and accepted (writing) when sent again.
    const store = fakeStore();
    const problems = new FuzzProblems();
    const sentAt = new Map<number, number>();
    const run = await runChecked(store, {
      cases: Array.from({ length: 50 }, (_, i) => i),
      problems,
      send: async (i) => {
        const times = (sentAt.get(i) ?? 0) + 1;
        sentAt.set(i, times);
        const accept = i === 0 || (i === 3 && times > 1);
        if (accept) store.docs += 1;
        return { outcome: accept ? acceptance : refusal, what: `input ${i}` };
      },
    });
    expect(problems.list).to.deep.equal([]);
    expect(sentAt.get(3)).to.equal(2);
    expect(sentAt.get(4)).to.equal(3);
    expect(run.checkedRefusals).to.equal(run.refused - 1);
  });

  it("when every refusal is accepted whenever it is sent again, then the route is reported as unchecked", async () => {
    const store = fakeStore();
    const problems = new FuzzProblems();
    const sentAt = new Map<number, number>();
    const run = await runChecked(store, {
      cases: Array.from({ length: 25 }, (_, i) => i),
      problems,
      send: async (i) => {
        const times = (sentAt.get(i) ?? 0) + 1;
        sentAt.set(i, times);
        const accept = i === 0 || times > 1;
        if (accept) store.docs += 1;
        return { outcome: accept ? acceptance : refusal, what: `input ${i}` };
      },
    });
    expect(run.checkedRefusals).to.equal(0);
    expect(uncheckedRefusals(run, "route")).to.match(
      /^route: 24 inputs were refused but no batch could be checked/,
    );
  });
});
