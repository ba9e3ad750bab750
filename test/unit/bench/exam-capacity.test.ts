import { expect } from "chai";
import {
  alternateSearches,
  capacityFields,
  searchesInOrder,
  findCapacity,
  nextRate,
  type CapacityOptions,
  type StepRunner,
  type CapacityResult,
  type CapacityStep,
  type Tried,
} from "../../../scripts/bench/exam-capacity.js";

const ladder = { startPerSec: 50, factor: 1.5, maxPerSec: 50_000 };

/** A search doubling from 100/s in 10-s steps against a 100 ms p99, without refinement. */
const doubling: CapacityOptions = {
  candidates: 10,
  startPerSec: 100,
  factor: 2,
  stepMs: 10_000,
  p99LimitMs: 100,
  maxPerSec: 800,
  refineWithin: 0,
};

/** Runs the search against a server that passes every rate up to `limit`: the rates tried, in order. */
function search(limit: number, options = { ...ladder, refineWithin: 0.1 }): Tried[] {
  const tried: Tried[] = [];
  for (let rate = nextRate(tried, options); rate !== null; rate = nextRate(tried, options)) {
    tried.push({ offeredPerSec: rate, passed: rate <= limit });
    if (tried.length > 100) throw new Error("the search does not end");
  }
  return tried;
}

const highestPass = (tried: Tried[]) =>
  Math.max(0, ...tried.filter((t) => t.passed).map((t) => t.offeredPerSec));
const lowestFailAbove = (tried: Tried[], rate: number) =>
  Math.min(...tried.filter((t) => !t.passed && t.offeredPerSec > rate).map((t) => t.offeredPerSec));

function aStep(offeredPerSec: number, p99Ms: number): CapacityStep {
  return { offeredPerSec, achievedPerSec: offeredPerSec, p50Ms: 1, p99Ms, failed: 0 };
}

describe("bench:exam capacity search (issue 17)", () => {
  it("when the true capacity lies between two ladder steps, then the search ends within 10% of it, below it", () => {
    for (const limit of [800, 862, 600, 14_000, 51]) {
      const tried = search(limit);
      const found = highestPass(tried);
      expect(found, `limit ${limit}`).to.be.at.most(limit);
      expect(lowestFailAbove(tried, found), `limit ${limit}`).to.be.at.most(found * 1.1);
      expect(found, `limit ${limit}`).to.be.above(limit / 1.1);
    }
  });

  it("when the server takes 800/s, then the ladder's rates come first, unchanged, and the refinement follows", () => {
    const rates = search(800).map((t) => t.offeredPerSec);
    expect(rates.slice(0, 8)).to.deep.equal([50, 75, 113, 170, 255, 383, 575, 863]);
    expect(rates.slice(8)).to.deep.equal([719, 791]);
  });

  it("when refinement is off, then the search is the bare ladder and stops at its first failure", () => {
    const bare = search(800, { ...ladder, refineWithin: 0 }).map((t) => t.offeredPerSec);
    expect(bare).to.deep.equal([50, 75, 113, 170, 255, 383, 575, 863]);
  });

  it("when the first step fails, then nothing else is tried", () => {
    expect(search(10).map((t) => t.offeredPerSec)).to.deep.equal([50]);
  });

  it("when start and max are one rate, then that one step is run, passing or not", () => {
    const fixed = { startPerSec: 900, factor: 1.5, maxPerSec: 900, refineWithin: 0.1 };
    expect(search(5_000, fixed).map((t) => t.offeredPerSec)).to.deep.equal([900]);
    expect(search(100, fixed).map((t) => t.offeredPerSec)).to.deep.equal([900]);
  });

  it("when a refined step fails below a passing one (noise), then the search still ends, on the highest pass", () => {
    const options = { ...ladder, refineWithin: 0.1 };
    const tried: Tried[] = [
      { offeredPerSec: 383, passed: true },
      { offeredPerSec: 575, passed: false },
      { offeredPerSec: 479, passed: true },
      { offeredPerSec: 527, passed: false },
    ];
    expect(nextRate(tried, options)).to.equal(503);
    tried.push({ offeredPerSec: 503, passed: true });
    expect(nextRate(tried, options)).to.equal(null);
  });

  it("when the baseline never offered the node's capacity, then its p50/p99 come from the step measured apart", () => {
    const node: CapacityResult = {
      capacitySavesPerSec: 719,
      ladderSavesPerSec: 575,
      steps: [aStep(575, 9), aStep(863, 140), aStep(719, 30)],
    };
    const baseline: CapacityResult = {
      capacitySavesPerSec: 9840,
      ladderSavesPerSec: 9840,
      steps: [aStep(575, 2), aStep(863, 3)],
    };
    const fields = capacityFields(node, baseline, aStep(719, 4.5), 0.1);
    expect(fields).to.include({
      capacitySavesPerSec: 719,
      capacityLadderSavesPerSec: 575,
      baselineCapacitySavesPerSec: 9840,
      baselineAtCapacityP99Ms: 4.5,
      capacityRatio: 0.07,
      capacityRefinedWithin: 0.1,
    });
    expect(capacityFields(node, baseline, null, 0.1)).to.include({ baselineAtCapacityP99Ms: null });
  });

  describe("confirming a failing step", () => {
    const options: CapacityOptions = { ...doubling, maxPerSec: 800, confirmFailures: 1 };
    /** A server whose steps give these p99s (and failed saves) in turn, whatever the rate. */
    function scripted(runs: { p99Ms: number; failed?: number }[]): { run: StepRunner; rates: number[] } {
      const rates: number[] = [];
      const run: StepRunner = (_send, perSec) => {
        rates.push(perSec);
        const next = runs.shift() ?? { p99Ms: 500 };
        return Promise.resolve({ ...aStep(perSec, next.p99Ms), failed: next.failed ?? 0 });
      };
      return { run, rates };
    }
    const noSend = () => Promise.resolve(true);

    it("when one step's p99 is over the limit once and then within it, then its rate passes and the climb goes on", async () => {
      const { run, rates } = scripted([
        { p99Ms: 5 },
        { p99Ms: 140 },
        { p99Ms: 9 },
        { p99Ms: 300 },
        { p99Ms: 250 },
      ]);
      const result = await findCapacity(noSend, options, undefined, run);
      expect(rates).to.deep.equal([100, 200, 200, 400, 400]);
      expect(result.capacitySavesPerSec).to.equal(200);
      expect(result.steps).to.have.length(5);
    });

    it("when a step fails on latency twice, then its rate fails", async () => {
      const { run, rates } = scripted([{ p99Ms: 5 }, { p99Ms: 140 }, { p99Ms: 150 }]);
      const result = await findCapacity(noSend, options, undefined, run);
      expect(rates).to.deep.equal([100, 200, 200]);
      expect(result.capacitySavesPerSec).to.equal(100);
    });

    it("when saves fail in a step, then the step is not repeated and its rate fails", async () => {
      const { run, rates } = scripted([{ p99Ms: 5 }, { p99Ms: 20, failed: 3 }, { p99Ms: 5 }]);
      const result = await findCapacity(noSend, options, undefined, run);
      expect(rates).to.deep.equal([100, 200]);
      expect(result.capacitySavesPerSec).to.equal(100);
    });

    it("when confirmation is off, then a single failing step ends the climb", async () => {
      const { run, rates } = scripted([{ p99Ms: 5 }, { p99Ms: 140 }, { p99Ms: 9 }]);
      const result = await findCapacity(noSend, { ...options, confirmFailures: 0 }, undefined, run);
      expect(rates).to.deep.equal([100, 200]);
      expect(result.capacitySavesPerSec).to.equal(100);
    });
  });

  describe("the node's and the baseline's searches taking turns", () => {
    const options: CapacityOptions = { ...doubling, maxPerSec: 100_000, confirmFailures: 0 };
    /** Each side's send names it: the fake runner learns whose step it runs from it. */
    const sendOf = (name: string) => Object.assign(() => Promise.resolve(true), { side: name });
    const sideOf = (send: unknown) => (send as { side: string }).side;
    const quiet = { settle: () => Promise.resolve(), warmUpMs: 0 };

    /**
     * A runner whose steps take a few macrotasks (as a real step awaits its acks), passing every
     * rate up to each side's limit; it logs every start, end and hook in order.
     */
    function fakeServers(limits: Record<string, number>) {
      const log: string[] = [];
      let running = 0;
      let overlapped = false;
      const run: StepRunner = async (send, perSec) => {
        const side = sideOf(send);
        running += 1;
        if (running > 1) overlapped = true;
        log.push(`start ${side} ${perSec}`);
        for (let i = 0; i < 3; i += 1) await new Promise((resolve) => setTimeout(resolve, 1));
        log.push(`end ${side} ${perSec}`);
        running -= 1;
        return aStep(perSec, perSec <= (limits[side] ?? 0) ? 10 : 500);
      };
      const side = (name: string) => ({
        send: sendOf(name),
        hooks: {
          before: async () => {
            await new Promise((resolve) => setTimeout(resolve, 1));
            log.push(`before ${name}`);
          },
          after: async (st: CapacityStep) => {
            await new Promise((resolve) => setTimeout(resolve, 1));
            log.push(`after ${name} ${st.offeredPerSec}`);
          },
        },
      });
      return { log, run, side, overlapped: () => overlapped };
    }

    it("when both search, then their steps alternate, node first, and never overlap", async () => {
      const servers = fakeServers({ node: 800, baseline: 1_600 });
      const found = await alternateSearches(
        { node: servers.side("node"), baseline: servers.side("baseline") },
        options,
        quiet,
        servers.run,
      );
      expect(servers.overlapped()).to.equal(false);
      const starts = servers.log.filter((l) => l.startsWith("start")).map((l) => l.split(" ")[1]);
      // node: 100 200 400 800 1600 (fails); baseline: 100 ... 1600, 3200 (fails).
      expect(starts).to.deep.equal([
        "node",
        "baseline",
        "node",
        "baseline",
        "node",
        "baseline",
        "node",
        "baseline",
        "node",
        "baseline",
        "baseline",
      ]);
      expect(found.node.capacitySavesPerSec).to.equal(800);
      expect(found.baseline.capacitySavesPerSec).to.equal(1_600);
    });

    it("when a step runs, then its own side's hooks run just before and just after it, inside its turn", async () => {
      const servers = fakeServers({ node: 200, baseline: 400 });
      await alternateSearches(
        { node: servers.side("node"), baseline: servers.side("baseline") },
        options,
        quiet,
        servers.run,
      );
      const events = servers.log;
      for (let i = 0; i < events.length; i += 4) {
        const [before, start, end, after] = events.slice(i, i + 4);
        const name = before?.split(" ")[1] ?? "";
        const rate = start?.split(" ")[2] ?? "";
        expect([before, start, end, after]).to.deep.equal([
          `before ${name}`,
          `start ${name} ${rate}`,
          `end ${name} ${rate}`,
          `after ${name} ${rate}`,
        ]);
      }
      expect(events).to.have.length(4 * (3 + 4));
    });

    it("when turns warm up, then each measured step follows an unmeasured one of its own rate and length, outside the hooks", async () => {
      const servers = fakeServers({ node: 200, baseline: 400 });
      const lengths: number[] = [];
      const run: StepRunner = (send, perSec, opts, next) => {
        lengths.push(opts.stepMs);
        return servers.run(send, perSec, opts, next);
      };
      const found = await alternateSearches(
        { node: servers.side("node"), baseline: servers.side("baseline") },
        options,
        { settle: () => Promise.resolve(), warmUpMs: 1_500 },
        run,
      );
      const events = servers.log;
      // Per turn: the warm-up's start and end, then the hooked step as without a warm-up.
      for (let i = 0; i < events.length; i += 6) {
        const [warmStart, warmEnd, before, start] = events.slice(i, i + 4);
        const [, name, rate] = start?.split(" ") ?? [];
        expect([warmStart, warmEnd, before]).to.deep.equal([
          `start ${name} ${rate}`,
          `end ${name} ${rate}`,
          `before ${name}`,
        ]);
      }
      expect(events).to.have.length(6 * (3 + 4));
      expect(lengths).to.deep.equal(Array.from({ length: 7 }, () => [1_500, options.stepMs]).flat());
      // The warm-ups are not steps of the result: each search's steps are its measured ones.
      expect(found.node.steps.map((st) => st.offeredPerSec)).to.deep.equal([100, 200, 400]);
      expect(found.baseline.steps.map((st) => st.offeredPerSec)).to.deep.equal([100, 200, 400, 800]);
      expect(found.node.capacitySavesPerSec).to.equal(200);
    });

    it("when the searches run in order, then every step of the node's comes before the baseline's first", async () => {
      const servers = fakeServers({ node: 800, baseline: 1_600 });
      const found = await searchesInOrder(
        { node: servers.side("node"), baseline: servers.side("baseline") },
        options,
        servers.run,
      );
      const starts = servers.log.filter((l) => l.startsWith("start")).map((l) => l.split(" ")[1]);
      expect(starts).to.deep.equal([...Array<string>(5).fill("node"), ...Array<string>(6).fill("baseline")]);
      expect(servers.overlapped()).to.equal(false);
      expect(found.node.capacitySavesPerSec).to.equal(800);
      expect(found.baseline.capacitySavesPerSec).to.equal(1_600);
    });

    it("when one search ends, then the other's result is the same as its search alone", async () => {
      const together = fakeServers({ node: 300, baseline: 5_000 });
      const both = await alternateSearches(
        { node: together.side("node"), baseline: together.side("baseline") },
        { ...options, refineWithin: 0.1, confirmFailures: 1 },
        quiet,
        together.run,
      );
      const alone = fakeServers({ baseline: 5_000 });
      const single = await findCapacity(
        sendOf("baseline"),
        { ...options, refineWithin: 0.1, confirmFailures: 1 },
        undefined,
        alone.run,
      );
      expect(both.baseline).to.deep.equal(single);
      expect(both.node.capacitySavesPerSec).to.be.within(273, 300);
    });
  });
});
