import { expect } from "chai";
import { proposeOutageCredit } from "../../../server/proctoring/index.js";

const m = 60_000;

describe("outage credit proposal", () => {
  it("when many seats of a room drop together and all come back, then the lost minutes are proposed, rounded up", () => {
    const p = proposeOutageCredit(
      "s1",
      [
        { attemptId: "a", from: 0, to: 3 * m },
        { attemptId: "b", from: 10_000, to: 3.5 * m },
        { attemptId: "c", from: 20_000, to: 2 * m },
      ],
      6,
    );
    expect(p).to.deep.equal({
      sessionId: "s1",
      attemptIds: ["a", "b", "c"],
      from: 0,
      to: 3.5 * m,
      minutes: 4,
    });
  });

  it("when only a few seats of a big room drop, then nothing is proposed", () => {
    expect(
      proposeOutageCredit(
        "s1",
        [
          { attemptId: "a", from: 0, to: m },
          { attemptId: "b", from: 0, to: m },
          { attemptId: "c", from: 0, to: m },
        ],
        30,
      ),
    ).to.equal(null);
  });

  it("when seats drop far apart in time, then they are not one outage", () => {
    expect(
      proposeOutageCredit(
        "s1",
        [
          { attemptId: "a", from: 0, to: m },
          { attemptId: "b", from: 5 * m, to: 6 * m },
          { attemptId: "c", from: 10 * m, to: 11 * m },
        ],
        3,
      ),
    ).to.equal(null);
  });

  it("when some seats are still away, then the proposal waits until they are back", () => {
    expect(
      proposeOutageCredit(
        "s1",
        [
          { attemptId: "a", from: 0, to: m },
          { attemptId: "b", from: 0, to: null },
          { attemptId: "c", from: 0, to: m },
        ],
        3,
      ),
    ).to.equal(null);
  });
});
