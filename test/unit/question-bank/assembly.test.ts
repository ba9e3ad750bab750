import { expect } from "chai";
import type { Paper } from "../../../server/contracts/paper.js";
import {
  BlueprintInput,
  type BankQuestionSnapshot,
  type QuestionType,
} from "../../../server/contracts/question-bank.js";
import { AppError } from "../../../server/lib/errors.js";
import { assemblePaper, checkFeasibility, createRng } from "../../../server/question-bank/index.js";
import { aBlueprint, aQuestion, questions } from "../../helpers/bank-builders.js";

const TYPES: QuestionType[] = ["true_false", "single", "multiple"];

function mixedBank(): BankQuestionSnapshot[] {
  return [
    ...questions(12, { type: "true_false", chapter: "安全行车" }),
    ...questions(10, { type: "single", chapter: "安全行车" }),
    ...questions(10, { type: "single", chapter: "法律法规" }),
    ...questions(8, { type: "multiple", chapter: "应急处置" }),
  ];
}
const mixedBlueprint = aBlueprint([
  { type: "true_false", chapter: "安全行车", count: 5 },
  { type: "single", chapter: "安全行车", count: 4 },
  { type: "single", chapter: "法律法规", count: 6 },
  { type: "multiple", chapter: "应急处置", count: 3 },
]);

function cellCounts(paper: Paper): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const q of paper.questions)
    counts[`${q.type}/${q.chapter}`] = (counts[`${q.type}/${q.chapter}`] ?? 0) + 1;
  return counts;
}

describe("question bank: paper assembly", () => {
  it("when the bank is large enough, then every cell gets exactly its count and no question repeats", () => {
    const paper = assemblePaper({ questions: mixedBank(), blueprint: mixedBlueprint, seed: "s1" });
    expect(cellCounts(paper)).to.deep.equal({
      "true_false/安全行车": 5,
      "single/安全行车": 4,
      "single/法律法规": 6,
      "multiple/应急处置": 3,
    });
    expect(new Set(paper.questions.map((q) => q.questionId)).size).to.equal(18);
    expect(paper.totalPoints).to.equal(5 * 1 + 10 * 1 + 3 * 2);
    expect(paper).to.include({
      blueprintId: "bp-01001",
      blueprintVersion: 1,
      seed: "s1",
      minutes: 60,
      passMark: 80,
      multipleScoring: "all_or_nothing",
    });
  });

  it("when a paper is built, then questions are grouped 判断, 单选, 多选 in that order", () => {
    const paper = assemblePaper({ questions: mixedBank(), blueprint: mixedBlueprint, seed: "order" });
    const typeIndexes = paper.questions.map((q) => TYPES.indexOf(q.type));
    expect(typeIndexes).to.deep.equal([...typeIndexes].sort((a, b) => a - b));
  });

  it("when the same seed is used again, even with the bank in another order, then the paper is identical", () => {
    const bank = mixedBank();
    const a = assemblePaper({ questions: bank, blueprint: mixedBlueprint, seed: "candidate-7" });
    const b = assemblePaper({
      questions: [...bank].reverse(),
      blueprint: mixedBlueprint,
      seed: "candidate-7",
    });
    expect(b).to.deep.equal(a);
  });

  it("when two candidates get different seeds, then their question order or options differ", () => {
    const bank = mixedBank();
    const papers = ["c1", "c2", "c3", "c4"].map((seed) =>
      assemblePaper({ questions: bank, blueprint: mixedBlueprint, seed }),
    );
    const fingerprints = papers.map((p) =>
      JSON.stringify(p.questions.map((q) => [q.questionId, q.optionOrder])),
    );
    expect(new Set(fingerprints).size).to.equal(4);
  });

  it("when options are shuffled, then they are re-lettered A–D, optionOrder names the originals and the key follows them", () => {
    const bank = questions(30, { type: "multiple", chapter: "应急处置" });
    const paper = assemblePaper({
      questions: bank,
      blueprint: aBlueprint([{ type: "multiple", chapter: "应急处置", count: 20 }]),
      seed: "opts",
    });
    const orders = new Set<string>();
    for (const pq of paper.questions) {
      const original = bank.find((q) => q.id === pq.questionId);
      if (!original) throw new Error("question not from the bank");
      expect(pq.options.map((o) => o.key)).to.deep.equal(["A", "B", "C", "D"]);
      expect([...pq.optionOrder].sort()).to.deep.equal(["A", "B", "C", "D"]);
      pq.options.forEach((o, i) => {
        expect(o.text).to.equal(original.options.find((x) => x.key === pq.optionOrder[i])?.text);
      });
      const displayedKey = pq.answer.map((k) => pq.optionOrder["ABCD".indexOf(k)]).sort();
      expect(displayedKey).to.deep.equal([...original.answer].sort());
      orders.add(pq.optionOrder.join(""));
    }
    expect(orders.size).to.be.greaterThan(1);
  });

  it("when a true/false question is frozen, then it keeps T/F and has no options", () => {
    const paper = assemblePaper({
      questions: questions(3, { type: "true_false", answer: ["F"] }),
      blueprint: aBlueprint([{ type: "true_false", chapter: "安全行车", count: 2 }]),
      seed: "tf",
    });
    for (const q of paper.questions)
      expect(q).to.deep.include({ options: [], optionOrder: [], answer: ["F"] });
  });

  it("when the candidate saw questions before and the bank has enough others, then none of them is given again", () => {
    const bank = questions(10);
    const seen = bank.slice(0, 6).map((q) => q.id);
    const paper = assemblePaper({
      questions: bank,
      blueprint: aBlueprint([{ type: "single", chapter: "安全行车", count: 4 }]),
      seed: "retake",
      avoidQuestionIds: seen,
    });
    expect(paper.questions.map((q) => q.questionId)).to.have.members(bank.slice(6).map((q) => q.id));
  });

  it("when the bank cannot avoid every seen question, then unseen ones are all used and only the rest is repeated", () => {
    const bank = questions(10);
    const seen = bank.slice(0, 8).map((q) => q.id);
    const paper = assemblePaper({
      questions: bank,
      blueprint: aBlueprint([{ type: "single", chapter: "安全行车", count: 5 }]),
      seed: "short",
      avoidQuestionIds: seen,
    });
    const ids = paper.questions.map((q) => q.questionId);
    expect(ids).to.include.members([bank[8]?.id, bank[9]?.id]);
    expect(ids.filter((id) => seen.includes(id))).to.have.length(3);
  });

  it("when exposure is given, then the least-exposed questions are preferred across a session", () => {
    const bank = questions(12);
    const blueprint = aBlueprint([{ type: "single", chapter: "安全行车", count: 4 }]);
    const exposure = new Map<string, number>();
    for (let candidate = 0; candidate < 6; candidate++) {
      const paper = assemblePaper({ questions: bank, blueprint, seed: `cand-${candidate}`, exposure });
      for (const q of paper.questions) exposure.set(q.questionId, (exposure.get(q.questionId) ?? 0) + 1);
    }
    // 6 candidates × 4 questions = 24 uses over 12 questions: balanced means each used exactly twice.
    expect(bank.map((q) => exposure.get(q.id) ?? 0)).to.deep.equal(Array(12).fill(2));
  });

  it("when the bank holds questions of other categories, then only the blueprint category is drawn", () => {
    const ours = questions(4);
    const theirs = questions(10, { categories: ["03001"] });
    const paper = assemblePaper({
      questions: [...theirs, ...ours],
      blueprint: aBlueprint([{ type: "single", chapter: "安全行车", count: 4 }]),
      seed: "cat",
    });
    expect(paper.questions.map((q) => q.questionId)).to.have.members(ours.map((q) => q.id));
  });

  it("when a difficulty mix is set and the bank allows it, then the paper follows the mix", () => {
    const bank = [
      ...questions(10, { difficulty: 1 }),
      ...questions(10, { difficulty: 3 }),
      ...questions(10, { difficulty: 5 }),
    ];
    const paper = assemblePaper({
      questions: bank,
      blueprint: aBlueprint([{ type: "single", chapter: "安全行车", count: 10 }], {
        difficultyMix: { "1": 0.2, "3": 0.6, "5": 0.2 },
      }),
      seed: "mix",
    });
    const byLevel = [1, 3, 5].map((d) => paper.questions.filter((q) => q.difficulty === d).length);
    expect(byLevel).to.deep.equal([2, 6, 2]);
  });

  it("when cells fall short, then bank_insufficient names each short cell with needed and available", () => {
    const bank = [
      ...questions(3, { type: "single", chapter: "安全行车" }),
      ...questions(5, { type: "true_false", chapter: "法律法规" }),
    ];
    const blueprint = aBlueprint([
      { type: "single", chapter: "安全行车", count: 4 },
      { type: "true_false", chapter: "法律法规", count: 5 },
      { type: "multiple", chapter: "应急处置", count: 2 },
    ]);
    let thrown: unknown;
    try {
      assemblePaper({ questions: bank, blueprint, seed: "x" });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).to.be.instanceOf(AppError);
    const err = thrown as AppError;
    expect(err.code).to.equal("bank_insufficient");
    expect(err.details).to.deep.equal({
      shortfalls: [
        { categoryCode: "01001", type: "single", chapter: "安全行车", needed: 4, available: 3 },
        { categoryCode: "01001", type: "multiple", chapter: "应急处置", needed: 2, available: 0 },
      ],
    });
    expect(err.message).to.contain("安全行车");
  });

  it("when two cells name the same type and chapter, then they share one pool and are checked together", () => {
    const bank = questions(5);
    const blueprint = aBlueprint([
      { type: "single", chapter: "安全行车", count: 3 },
      { type: "single", chapter: "安全行车", count: 3 },
    ]);
    expect(checkFeasibility(bank, blueprint).shortfalls).to.deep.equal([
      { categoryCode: "01001", type: "single", chapter: "安全行车", needed: 6, available: 5 },
    ]);
  });

  it("when a question appears in two versions, then only the newest is used and never twice", () => {
    const q = aQuestion({ id: "same" });
    const paper = assemblePaper({
      questions: [q, { ...q, version: 2, stem: "新版本题干" }, ...questions(1)],
      blueprint: aBlueprint([{ type: "single", chapter: "安全行车", count: 2 }]),
      seed: "v",
    });
    const same = paper.questions.filter((x) => x.questionId === "same");
    expect(same).to.have.length(1);
    expect(same[0]).to.include({ version: 2, stem: "新版本题干" });
  });

  it("when random banks and blueprints are generated, then assembly either fills every cell exactly or names exactly the short cells", () => {
    const rng = createRng("property");
    const chapters = ["甲", "乙", "丙"];
    for (let round = 0; round < 200; round++) {
      const bank: BankQuestionSnapshot[] = [];
      for (const type of TYPES) {
        for (const chapter of chapters) {
          const n = rng.int(6);
          bank.push(
            ...questions(n, {
              type,
              chapter,
              difficulty: 1 + rng.int(5),
              categories: rng.next() < 0.8 ? ["01001"] : ["01001", "02001"],
            }),
          );
        }
      }
      const cells = TYPES.flatMap((type) =>
        chapters.filter(() => rng.next() < 0.5).map((chapter) => ({ type, chapter, count: 1 + rng.int(5) })),
      );
      if (!cells.length) continue;
      const blueprint = aBlueprint(cells, rng.next() < 0.3 ? { difficultyMix: { "2": 0.5, "4": 0.5 } } : {});
      const available = (type: QuestionType, chapter: string) =>
        bank.filter((q) => q.type === type && q.chapter === chapter).length;
      const short = cells.filter((c) => available(c.type, c.chapter) < c.count);
      const seed = `r${round}`;
      if (short.length) {
        let err: unknown;
        try {
          assemblePaper({ questions: bank, blueprint, seed });
        } catch (e) {
          err = e;
        }
        expect((err as AppError).code).to.equal("bank_insufficient");
        const details = (err as AppError).details as {
          shortfalls: { type: string; chapter: string; needed: number; available: number }[];
        };
        expect(
          details.shortfalls.map((s) => `${s.type}/${s.chapter}/${s.needed}/${s.available}`),
        ).to.have.members(
          short.map((c) => `${c.type}/${c.chapter}/${c.count}/${available(c.type, c.chapter)}`),
        );
        continue;
      }
      const avoid = bank.filter(() => rng.next() < 0.3).map((q) => q.id);
      const paper = assemblePaper({ questions: bank, blueprint, seed, avoidQuestionIds: avoid });
      expect(paper.questions).to.have.length(cells.reduce((s, c) => s + c.count, 0));
      expect(new Set(paper.questions.map((q) => q.questionId)).size).to.equal(paper.questions.length);
      for (const c of cells)
        expect(paper.questions.filter((q) => q.type === c.type && q.chapter === c.chapter)).to.have.length(
          c.count,
        );
      for (const c of cells) {
        // Avoidance is exact: seen questions appear only when the cell has too few unseen ones.
        const unseen = bank.filter(
          (q) => q.type === c.type && q.chapter === c.chapter && !avoid.includes(q.id),
        ).length;
        const seenUsed = paper.questions.filter(
          (q) => q.type === c.type && q.chapter === c.chapter && avoid.includes(q.questionId),
        ).length;
        expect(seenUsed).to.equal(Math.max(0, c.count - unseen));
      }
      expect(assemblePaper({ questions: bank, blueprint, seed, avoidQuestionIds: avoid })).to.deep.equal(
        paper,
      );
    }
  });
});

describe("question bank: full marks", () => {
  it("when a paper's points have decimals, then its full marks are their exact sum, not a sum of binary fractions", () => {
    const blueprint = aBlueprint(
      [
        { type: "true_false", chapter: "安全行车", count: 40 },
        { type: "single", chapter: "安全行车", count: 50 },
        { type: "multiple", chapter: "安全行车", count: 10 },
      ],
      { points: { true_false: 0.5, single: 1.2, multiple: 2 } },
    );
    const bank = [
      ...questions(40, { type: "true_false" }),
      ...questions(50, { type: "single" }),
      ...questions(10, { type: "multiple" }),
    ];
    // Added one question at a time in binary fractions, these make 100.0000000000001.
    expect(assemblePaper({ questions: bank, blueprint, seed: "full-marks" }).totalPoints).to.equal(100);
  });

  it("when a blueprint's pass mark equals full marks with decimal points, then it is accepted, and a higher one is refused naming the exact full marks", () => {
    const blueprint = {
      categoryCode: "01001",
      title: "小数分值方案",
      minutes: 60,
      points: { true_false: 0.7, single: 0.1, multiple: 1 },
      cells: [
        { type: "true_false", chapter: "安全行车", count: 1 },
        { type: "single", chapter: "安全行车", count: 1 },
      ],
    };
    // 0.7 + 0.1 is 0.7999999999999999 in binary fractions, below a pass mark of 0.8.
    expect(BlueprintInput.safeParse({ ...blueprint, passMark: 0.8 }).success).to.equal(true);
    const refused = BlueprintInput.safeParse({ ...blueprint, passMark: 1 });
    expect(refused.error?.issues.map((i) => i.message)).to.deep.equal([
      "及格分须大于 0 且不高于满分 0.8（现为 1）",
    ]);
  });
});
