import { expect } from "chai";
import { latestOnly } from "../../../client/src/features/hub/report-view.js";

/** A request answered when the test says so. */
function aPending<T>() {
  let answer!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (answer = resolve));
  return { promise, answer };
}

/**
 * The report page loads a month's figures on each change of the month picker; a slow answer for a
 * month picked earlier must not replace the figures of the month now shown.
 */
describe("hub report page: only the newest month's answer is shown", () => {
  it("when October's answer arrives after December's, then October's is discarded and December's figures stay", async () => {
    const run = latestOnly();
    const shown: string[] = [];
    const october = aPending<string>();
    const december = aPending<string>();
    const first = run(
      () => october.promise,
      (v) => shown.push(v),
    );
    const second = run(
      () => december.promise,
      (v) => shown.push(v),
    );
    december.answer("2026-12");
    expect(await second).to.equal(true);
    october.answer("2026-10");
    expect(await first).to.equal(false);
    expect(shown).to.deep.equal(["2026-12"]);
  });

  it("when answers arrive in order, then each is shown as it arrives", async () => {
    const run = latestOnly();
    const shown: string[] = [];
    expect(
      await run(
        () => Promise.resolve("2026-10"),
        (v) => shown.push(v),
      ),
    ).to.equal(true);
    expect(
      await run(
        () => Promise.resolve("2026-12"),
        (v) => shown.push(v),
      ),
    ).to.equal(true);
    expect(shown).to.deep.equal(["2026-10", "2026-12"]);
  });
});
