import { expect } from "chai";
import {
  canonicalJson,
  chainChecker,
  entryHash,
  findChainProblems,
  GENESIS_HASH,
  MAX_REPORTED_PROBLEMS,
} from "../../../server/audit/index.js";

type Entry = Parameters<typeof findChainProblems>[0][number];

/** Feeds entries one at a time, as verification reads them page by page. */
function chainVerdict(entries: Entry[], headSeq: number) {
  const checker = chainChecker();
  for (const e of entries) checker.feed(e);
  return checker.finish(headSeq);
}

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
    expect(findChainProblems(entries, 5)).to.deep.equal([
      { seq: 4, kind: "deleted", message: "审计记录 #4 至 #5 已被删除（共 2 条）" },
    ]);
  });

  it("when a run of entries is deleted, then one problem names the run and how many, not one line per entry", () => {
    const entries = chain(5).slice(0, 1);
    const { problems, problemCount } = chainVerdict(entries, 100_000);
    expect(problems).to.deep.equal([
      { seq: 2, kind: "deleted", message: "审计记录 #2 至 #100000 已被删除（共 99999 条）" },
    ]);
    expect(problemCount).to.equal(1);
  });

  it("when an entry's sequence number is forged far ahead, then the verdict stays bounded and names it", () => {
    const entries = chain(5);
    entries[4] = { ...entries[4]!, seq: 1e12 };
    const { problems } = chainVerdict(entries, 5);
    expect(problems.map((p) => [p.seq, p.kind])).to.deep.equal([
      [5, "deleted"],
      [1e12, "edited"],
    ]);
  });

  it(`when more than ${MAX_REPORTED_PROBLEMS} entries are edited, then the first ${MAX_REPORTED_PROBLEMS} are listed and all are counted`, () => {
    const n = MAX_REPORTED_PROBLEMS + 50;
    const entries = chain(n).map((e) => ({ ...e, details: { ip: "6.6.6.6" } }));
    const { problems, problemCount } = chainVerdict(entries, n);
    expect(problems).to.have.length(MAX_REPORTED_PROBLEMS);
    expect(problems[0]?.seq).to.equal(1);
    expect(problemCount).to.equal(n);
  });
});
