import { expect } from "chai";
import { createRefusalBudget } from "../../../server/sharing/refusal-budget.js";

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
