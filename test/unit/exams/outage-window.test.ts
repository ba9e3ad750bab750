import { expect } from "chai";
import { outageWindows, type DropStart } from "../../../server/exams/outage-window.js";

const drop = (attemptId: string, from: number): DropStart => ({ attemptId, from });
const windows = (sorted: readonly DropStart[], needed: number, windowMs = 60_000) => [
  ...outageWindows(sorted, needed, windowMs),
];

describe("outage windows of a room's drops", () => {
  it("when enough seats drop within the window, then one window per first drop covers every drop started within it", () => {
    const sorted = [drop("a", 0), drop("b", 10_000), drop("c", 60_000), drop("d", 61_000)];
    expect(windows(sorted, 3)).to.deep.equal([
      // From a: a, b and c (c starts exactly a window later, still inside); d is a millisecond out.
      { start: 0, end: 3, seats: 3 },
      // From b: b, c, d.
      { start: 1, end: 4, seats: 3 },
    ]);
  });

  it("when a seat drops twice within the window, then it counts once, and too few seats make no window", () => {
    const sorted = [drop("a", 0), drop("a", 5_000), drop("b", 6_000), drop("a", 7_000)];
    expect(windows(sorted, 3)).to.deep.equal([]);
    expect(windows(sorted, 2)).to.deep.equal([
      { start: 0, end: 4, seats: 2 },
      { start: 1, end: 4, seats: 2 },
      { start: 2, end: 4, seats: 2 },
    ]);
  });

  it("when drops are further apart than the window, then each seat's drop leaves the window before the next starts it", () => {
    const sorted = [
      drop("a", 0),
      drop("b", 30_000),
      drop("c", 120_000),
      drop("d", 130_000),
      drop("e", 140_000),
    ];
    expect(windows(sorted, 2)).to.deep.equal([
      { start: 0, end: 2, seats: 2 },
      { start: 2, end: 5, seats: 3 },
      { start: 3, end: 5, seats: 2 },
    ]);
  });

  it("when there are no drops, then there is no window", () => {
    expect(windows([], 1)).to.deep.equal([]);
  });
});
