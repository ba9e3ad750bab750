import { expect } from "chai";
import { median, monthWindow, percentile, qualityScore, updateTimeInstant } from "../../../server/hub/report/index.js";

describe("hub report figures", () => {
  it("when latencies are summarised, then the median and p95 are nearest ranks (values that occurred)", () => {
    expect(median([])).to.equal(null);
    expect(median([5, 1, 3])).to.equal(3);
    expect(median([4, 1, 3, 2])).to.equal(2);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(hundred, 95)).to.equal(95);
    expect(percentile([7], 95)).to.equal(7);
    expect(percentile([1, 2], 95)).to.equal(2);
  });

  it("when a component has nothing to measure, then its weight goes to the others; with nothing at all the score is null", () => {
    expect(qualityScore({ acceptance: 1, timeliness: 1, completeness: 1, responsiveness: 1 })).to.equal(100);
    expect(qualityScore({ acceptance: 0.5, timeliness: null, completeness: null, responsiveness: null })).to.equal(50);
    // (0.4·1 + 0.3·0.5 + 0.2·0) / 0.9 = 61.1
    expect(qualityScore({ acceptance: 1, timeliness: 0.5, completeness: 0, responsiveness: null })).to.equal(61.1);
    expect(qualityScore({ acceptance: null, timeliness: null, completeness: null, responsiveness: null })).to.equal(null);
  });

  it("when a month is asked for, then its window is the calendar month in the hub's zone", () => {
    const now = new Date("2026-11-30T21:00:00Z"); // already 1 December in Beijing
    const w = monthWindow("2026-11", "Asia/Shanghai", now);
    expect(w.from.toISOString()).to.equal("2026-10-31T16:00:00.000Z");
    expect(w.to.toISOString()).to.equal("2026-11-30T16:00:00.000Z");
    expect(w.partial).to.equal(false);
    expect(monthWindow("2026-12", "Asia/Shanghai", now).partial).to.equal(true);
    expect(() => monthWindow("2026-12", "UTC", now)).to.throw().with.property("code", "future_month");
    // A zone with daylight saving: March starts at UTC+1, April at UTC+2.
    const berlin = monthWindow("2026-03", "Europe/Berlin", now);
    expect(berlin.from.toISOString()).to.equal("2026-02-28T23:00:00.000Z");
    expect(berlin.to.toISOString()).to.equal("2026-03-31T22:00:00.000Z");
  });

  it("when an UpdateTime is read, then it is Beijing time and an impossible one is null", () => {
    expect(updateTimeInstant("20261130080000")?.toISOString()).to.equal("2026-11-30T00:00:00.000Z");
    expect(updateTimeInstant("20261131080000")).to.equal(null);
    expect(updateTimeInstant("20261130086000")).to.equal(null);
    expect(updateTimeInstant(20261130080000)).to.equal(null);
  });
});
