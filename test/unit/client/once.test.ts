import { expect } from "chai";
import { useOnce } from "../../../client/src/shared/once.js";

describe("one write at a time for a page's buttons (client)", () => {
  it("when a button is pressed again while its write is on its way, then the write runs once", async () => {
    const { busy, once } = useOnce();
    let runs = 0;
    let answer: () => void = () => undefined;
    const work = () => {
      runs++;
      return new Promise<void>((resolve) => (answer = resolve));
    };
    const first = once(work, { detail: 1 });
    expect(busy.value).to.equal(true);
    await once(work, { detail: 1 });
    answer();
    await first;
    expect(runs).to.equal(1);
    expect(busy.value).to.equal(false);
  });

  it("when the second click of a double click arrives after the first write has answered, then it does nothing", async () => {
    const { once } = useOnce();
    let runs = 0;
    const work = () => {
      runs++;
      return Promise.resolve();
    };
    await once(work, { detail: 1 });
    await once(work, { detail: 2 });
    expect(runs).to.equal(1);
    // A press from the keyboard (detail 0) and a later single click each act.
    await once(work, { detail: 0 });
    await once(work);
    expect(runs).to.equal(3);
  });

  it("when a write fails, then the failure reaches the caller and the next press runs", async () => {
    const { busy, once } = useOnce();
    let refused: unknown = null;
    await once(() => Promise.reject(new Error("refused"))).catch((err: unknown) => (refused = err));
    expect(refused).to.be.instanceOf(Error);
    expect(busy.value).to.equal(false);
    let ran = false;
    await once(() => {
      ran = true;
      return Promise.resolve();
    });
    expect(ran).to.equal(true);
  });
});
