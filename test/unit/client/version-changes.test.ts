import { expect } from "chai";
import type { QuestionDto } from "../../../server/contracts/question-bank.js";
import { versionChanges } from "../../../client/src/features/question-bank/version-changes.js";
import { aQuestionDto } from "../../helpers/bank-builders.js";

/** A published single-choice question (answer C) of two categories with two tags. */
const published = (overrides: Partial<QuestionDto> = {}) =>
  aQuestionDto({ id: "q-1", categories: ["01001", "02001"], tags: ["客运", "休息"], ...overrides });

const next = (overrides: Partial<QuestionDto>) =>
  published({ version: 2, status: "in_review", ...overrides });

describe("question version changes (client)", () => {
  it("when only the answer key moves, then that is the one change, in letters", () => {
    expect(versionChanges(published(), next({ answer: ["B"] }))).to.deep.equal([
      { field: "answer", label: "答案", before: "C", after: "B" },
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
          { key: "B", text: "10 分钟" },
          { key: "C", text: "30 分钟" },
          { key: "D", text: "不必休息" },
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
    expect(changes.find((c) => c.field === "option-C")).to.include({ before: "20 分钟", after: "30 分钟" });
    expect(changes.find((c) => c.field === "answer")).to.include({ before: "C", after: "B、C" });
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
