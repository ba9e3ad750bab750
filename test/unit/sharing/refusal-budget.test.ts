import { expect } from "chai";
import { createRefusalBudget } from "../../../server/lib/refusal-budget.js";

describe("sharing: the log budget for unauthenticated refusals", () => {
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, advance: (ms: number) => void (t += ms) };
  };

  it("when one source sends more than its budget, then the rest are counted, and a minute later one summary says how many from how many sources", () => {
    const c = clock();
    const budget = createRefusalBudget({
      perSourcePerMinute: 3,
      totalPerMinute: 100,
      maxSources: 10,
      now: c.now,
    });
    const admitted = Array.from({ length: 8 }, () => budget.admit("10.0.0.1"));
    expect(admitted).to.deep.equal([true, true, true, false, false, false, false, false]);
    expect(budget.admit("10.0.0.2"), "another source keeps its own budget").to.equal(true);
    expect(budget.takeSummary(), "not before a minute").to.equal(null);
    c.advance(60_000);
    expect(budget.takeSummary()).to.deep.equal({ count: 5, sources: 1 });
    expect(budget.takeSummary(), "once").to.equal(null);
    expect(budget.admit("10.0.0.1"), "the source's budget refilled").to.equal(true);
  });

  it("when many sources each stay within their own budget, then all together are still bounded", () => {
    const c = clock();
    const budget = createRefusalBudget({
      perSourcePerMinute: 5,
      totalPerMinute: 20,
      maxSources: 1000,
      now: c.now,
    });
    const admitted = Array.from({ length: 100 }, (_, i) => budget.admit(`2001:db8::${i}`)).filter(Boolean);
    expect(admitted).to.have.length(20);
    c.advance(60_000);
    expect(budget.takeSummary()).to.deep.equal({ count: 80, sources: 80 });
  });

  it("when everyone's budget is spent by other sources, then a source's refusal is counted without spending its own token, so it is logged once the total refills", () => {
    const c = clock();
    const budget = createRefusalBudget({
      perSourcePerMinute: 1,
      totalPerMinute: 2,
      maxSources: 10,
      now: c.now,
    });
    expect(budget.admit("a")).to.equal(true);
    expect(budget.admit("c")).to.equal(true);
    expect(budget.admit("b"), "the total is spent").to.equal(false);
    // Half a minute later the total has one token again; "b" never had an entry logged, so its own
    // token is still there (had the refusal spent it, only half of it would have grown back).
    c.advance(30_000);
    expect(budget.admit("b")).to.equal(true);
  });

  it("when refusals are counted, then their summary is due one window after the first of them, or at once when forced", () => {
    const c = clock();
    const budget = createRefusalBudget({
      perSourcePerMinute: 1,
      totalPerMinute: 100,
      maxSources: 10,
      summaryWindowMs: 10_000,
      now: c.now,
    });
    expect(budget.msUntilSummary(), "nothing counted").to.equal(null);
    budget.admit("a");
    budget.admit("a");
    expect(budget.msUntilSummary()).to.equal(10_000);
    c.advance(4_000);
    budget.admit("a");
    expect(budget.msUntilSummary(), "the window runs from the first counted refusal").to.equal(6_000);
    expect(budget.takeSummary()).to.equal(null);
    expect(budget.takeSummary({ force: true })).to.deep.equal({ count: 2, sources: 1 });
    expect(budget.msUntilSummary()).to.equal(null);
  });

  it("when more sources appear than it remembers, then the oldest is forgotten and memory stays bounded", () => {
    const c = clock();
    const budget = createRefusalBudget({
      perSourcePerMinute: 1,
      totalPerMinute: 1000,
      maxSources: 2,
      now: c.now,
    });
    expect(budget.admit("a")).to.equal(true);
    expect(budget.admit("a")).to.equal(false);
    budget.admit("b");
    budget.admit("c");
    // "a" was forgotten: it starts with a fresh budget (bounded memory is worth that much leniency).
    expect(budget.admit("a")).to.equal(true);
  });
});
