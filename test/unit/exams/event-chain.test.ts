import { expect } from "chai";
import { CHAIN_GENESIS, findBrokenLink, nextEvent, type ChainEvent } from "../../../server/exams/index.js";

function chain(n: number): ChainEvent[] {
  const out: ChainEvent[] = [];
  for (let i = 0; i < n; i++) {
    const prev = out.at(-1);
    out.push(
      nextEvent(
        prev ? { n: prev.n, hash: prev.hash } : null,
        i === 0 ? "check_in" : "answer",
        { index: i, choice: ["A"], seq: i },
        new Date(Date.UTC(2026, 4, 10, 1, 0, i)),
      ),
    );
  }
  return out;
}

describe("attempt event chain", () => {
  it("when events are appended, then each carries the previous event's hash and the first links to genesis", () => {
    const events = chain(4);
    expect(events[0]?.prevHash).to.equal(CHAIN_GENESIS);
    for (let i = 1; i < events.length; i++) expect(events[i]?.prevHash).to.equal(events[i - 1]?.hash);
    expect(findBrokenLink(events)).to.equal(null);
  });

  it("when one event's data is edited, then verification names that event", () => {
    const events = chain(5);
    const e = events[2];
    if (!e) throw new Error("fixture");
    events[2] = { ...e, data: { ...e.data, choice: ["B"] } };
    expect(findBrokenLink(events)).to.equal(3);
  });

  it("when an event is deleted, then verification names the gap", () => {
    const events = chain(5);
    events.splice(1, 1);
    expect(findBrokenLink(events)).to.equal(3);
  });

  it("when the same content is hashed with keys in another order, then the hash is the same", () => {
    const at = new Date(0);
    expect(nextEvent(null, "answer", { a: 1, b: [1, 2] }, at).hash).to.equal(
      nextEvent(null, "answer", { b: [1, 2], a: 1 }, at).hash,
    );
  });
});
