import { expect } from "chai";
import { canonicalJson, entryHash, findChainProblems, GENESIS_HASH } from "../../../server/audit/index.js";

type Entry = Parameters<typeof findChainProblems>[0][number];

function chain(n: number): Entry[] {
  const out: Entry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const fields = {
      seq,
      at: new Date(Date.UTC(2026, 10, 23, 12, 0, seq)),
      action: "auth.login",
      actor: { id: `u${seq}`, kind: "staff", name: "甲" },
      divisionCode: "320100",
      target: null,
      details: { ip: "10.0.0.1", nested: { b: 1, a: [1, 2] } },
      prevHash: prev,
    };
    const hash = entryHash(fields);
    out.push({ ...fields, hash });
    prev = hash;
  }
  return out;
}

describe("audit hash chain", () => {
  it("when keys come back in another order, then the canonical form and hash do not change", () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).to.equal(canonicalJson({ a: { c: 3, d: 2 }, b: 1 }));
  });

  it("when nothing was touched, then the chain verifies", () => {
    expect(findChainProblems(chain(5), 5)).to.deep.equal([]);
  });

  it("when one entry's details are edited, then that entry is named as edited", () => {
    const entries = chain(5);
    entries[2] = { ...entries[2]!, details: { ip: "6.6.6.6" } };
    expect(findChainProblems(entries, 5).map((p) => [p.seq, p.kind])).to.deep.equal([[3, "edited"]]);
  });

  it("when an entry is edited and its hash recomputed, then the next entry's link breaks", () => {
    const entries = chain(5);
    const forged = { ...entries[1]!, action: "nothing" };
    entries[1] = { ...forged, hash: entryHash(forged) };
    expect(findChainProblems(entries, 5).map((p) => [p.seq, p.kind])).to.deep.equal([[3, "broken_link"]]);
  });

  it("when a middle entry is deleted, then its sequence number is named as deleted", () => {
    const entries = chain(5);
    entries.splice(3, 1);
    expect(findChainProblems(entries, 5).map((p) => [p.seq, p.kind])).to.deep.equal([[4, "deleted"]]);
  });

  it("when the newest entries are deleted, then the head counter names them", () => {
    const entries = chain(5).slice(0, 3);
    expect(findChainProblems(entries, 5).map((p) => [p.seq, p.kind])).to.deep.equal([
      [4, "deleted"],
      [5, "deleted"],
    ]);
  });
});
