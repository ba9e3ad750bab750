import { expect } from "chai";
import type { QuestionDto } from "../../../server/contracts/question-bank.js";
import { versionChanges } from "../../../client/src/features/question-bank/version-changes.js";

/** A published single-choice question as the review queue sends it. */
function published(overrides: Partial<QuestionDto> = {}): QuestionDto {
  return {
    id: "q-1",
    version: 1,
    status: "published",
    ref: "PAS-003",
    type: "single",
    stem: "连续驾驶 4 小时后至少应休息多久？",
    options: [
      { key: "A", text: "5 分钟" },
      { key: "B", text: "20 分钟" },
      { key: "C", text: "2 分钟" },
      { key: "D", text: "不需要休息" },
    ],
    answer: ["B"],
    explanation: "",
    chapter: "安全行车",
    categories: ["01001", "02001"],
    difficulty: 2,
    tags: ["客运", "休息"],
    source: "",
    authorId: "u-1",
    authorName: "出题人甲",
    contributorIds: ["u-1"],
    quarantined: false,
    history: [],
    createdAt: "2026-12-01T00:00:00.000Z",
    updatedAt: "2026-12-01T00:00:00.000Z",
    ...overrides,
  };
}

const next = (overrides: Partial<QuestionDto>) =>
  published({ version: 2, status: "in_review", ...overrides });

describe("question version changes (client)", () => {
  it("when only the answer key moves, then that is the one change, in letters", () => {
    expect(versionChanges(published(), next({ answer: ["C"] }))).to.deep.equal([
      { field: "answer", label: "答案", before: "B", after: "C" },
    ]);
  });

  it("when a true/false key is flipped, then it reads 正确 → 错误, not T → F", () => {
    const tf = { type: "true_false" as const, options: [] };
    expect(versionChanges(published({ ...tf, answer: ["T"] }), next({ ...tf, answer: ["F"] }))).to.deep.equal(
      [{ field: "answer", label: "答案", before: "正确", after: "错误" }],
    );
  });

  it("when categories and tags are only reordered and nothing else differs, then no change is listed", () => {
    const same = next({ categories: ["02001", "01001"], tags: ["休息", "客运"] });
    expect(versionChanges(published(), same)).to.deep.equal([]);
  });

  it("when the type, an option, the category and the picture change, then each is named, categories by name", () => {
    const changes = versionChanges(
      published({ imageId: "img-1" }),
      next({
        type: "multiple",
        options: [
          { key: "A", text: "5 分钟" },
          { key: "B", text: "20 分钟" },
          { key: "C", text: "30 分钟" },
          { key: "D", text: "不需要休息" },
        ],
        answer: ["C", "B"],
        categories: ["01001"],
        imageId: "img-2",
      }),
    );
    expect(changes.map((c) => c.field)).to.deep.equal(["type", "image", "option-C", "answer", "categories"]);
    expect(changes.find((c) => c.field === "type")).to.include({ before: "单选题", after: "多选题" });
    expect(changes.find((c) => c.field === "image")).to.include({
      before: "原图片",
      after: "已更换为另一张图片",
    });
    expect(changes.find((c) => c.field === "option-C")).to.include({ before: "2 分钟", after: "30 分钟" });
    expect(changes.find((c) => c.field === "answer")).to.include({ before: "B", after: "B、C" });
    expect(changes.find((c) => c.field === "categories")?.after).to.equal("经营性道路旅客运输驾驶员");
    expect(changes.find((c) => c.field === "categories")?.before).to.include("、");
  });

  it("when a picture is removed and the explanation emptied, then the page says （无） and （空）", () => {
    const changes = versionChanges(
      published({ imageId: "img-1", explanation: "见条例" }),
      next({ explanation: "" }),
    );
    expect(changes).to.deep.equal([
      { field: "image", label: "试题图片", before: "有", after: "（无）" },
      { field: "explanation", label: "解析", before: "见条例", after: "（空）" },
    ]);
  });
});
