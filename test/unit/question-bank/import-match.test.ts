import { expect } from "chai";
import { matchStored } from "../../../server/question-bank/import-match.js";
import { aQuestionInput } from "../../helpers/bank-builders.js";

describe("question import: an item meeting the stored question of its ref", () => {
  const stored = aQuestionInput({ ref: "M-1", categories: ["01001"], answer: ["C"] });

  it("when a weak ref brings the same content for another category, then the categories are merged, the stored ones first", () => {
    const match = matchStored(stored, { ...stored, categories: ["02001"] }, true);
    expect(match).to.deep.include({ kind: "merge" });
    if (match.kind !== "merge") return;
    expect(match.question.categories).to.deep.equal(["01001", "02001"]);
    expect(match.notes.join("；")).to.contain("增加从业类别 02001").and.to.contain("还属于从业类别 01001");
  });

  it("when a weak ref brings other content for another category only, then it is a conflict; with a ref the file chose, it is an update keeping the stored categories", () => {
    const other = { ...stored, categories: ["02001" as const], answer: ["B" as const] };
    expect(matchStored(stored, other, true).kind).to.equal("conflict");
    const explicit = matchStored(stored, other, false);
    expect(explicit.kind).to.equal("merge");
    if (explicit.kind === "merge") expect(explicit.question.categories).to.deep.equal(["01001", "02001"]);
  });

  it("when a weak ref's categories include or are included in the stored ones, then a changed answer key is a correction, never a removal", () => {
    const shared = { ...stored, categories: ["01001" as const, "02001" as const] };
    const fewer = matchStored(shared, { ...stored, answer: ["B"] }, true);
    expect(fewer.kind === "merge" && fewer.question.categories).to.deep.equal(["01001", "02001"]);
    const more = matchStored(stored, { ...shared, answer: ["B"] }, true);
    expect(more.kind === "merge" && more.question.categories).to.deep.equal(["01001", "02001"]);
  });
});
