import { expect } from "chai";
import {
  BlueprintFormRefusal,
  blueprintForm,
  duplicateAccommodations,
  toBlueprintInput,
} from "../../../client/src/features/question-bank/blueprint-form.js";

describe("blueprint editor form (client)", () => {
  function withAccommodations(accommodations: { name: string; minutes: number }[]) {
    return { ...blueprintForm(null), accommodations };
  }

  it("when two accommodation rows name the same case, then the form refuses to build the blueprint instead of keeping only the last row's minutes", () => {
    const form = withAccommodations([
      { name: "low_vision", minutes: 15 },
      { name: "hearing", minutes: 10 },
      { name: " low_vision ", minutes: 30 },
    ]);
    expect(duplicateAccommodations(form)).to.deep.equal(["low_vision"]);
    expect(() => toBlueprintInput("01001", form))
      .to.throw(BlueprintFormRefusal)
      .with.property("message", "特殊照顾情形「low_vision」重复填写了 2 次，请合并为一行");
  });

  it("when accommodation names differ, then each keeps its own minutes", () => {
    const form = withAccommodations([
      { name: "low_vision", minutes: 15 },
      { name: "hearing", minutes: 10 },
      { name: "", minutes: 5 },
    ]);
    expect(duplicateAccommodations(form)).to.deep.equal([]);
    expect(toBlueprintInput("01001", form).accommodations).to.deep.equal({ low_vision: 15, hearing: 10 });
  });

  it("when a rule row has questions but no chapter, then the form refuses it instead of saving a smaller paper under the same pass mark", () => {
    const form = {
      ...blueprintForm(null),
      passMark: 80,
      cells: [
        { type: "single" as const, chapter: "安全行车", count: 80 },
        { type: "single" as const, chapter: "", count: 20 },
      ],
    };
    expect(() => toBlueprintInput("01001", form))
      .to.throw(BlueprintFormRefusal)
      .with.property("message", "组卷规则第 2 行填写了 20 题但未选择章节");
  });

  it("when a rule row is left empty (no chapter, no questions), then it is left out and the rest is saved", () => {
    const form = {
      ...blueprintForm(null),
      cells: [
        { type: "single" as const, chapter: "安全行车", count: 80 },
        { type: "multiple" as const, chapter: "", count: 0 },
      ],
    };
    expect(toBlueprintInput("01001", form).cells).to.deep.equal([{ type: "single", chapter: "安全行车", count: 80 }]);
  });
});
