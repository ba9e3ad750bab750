import { expect } from "chai";
import { QuestionInput } from "../../../server/contracts/question-bank.js";
import { parseImportFile } from "../../../server/question-bank/index.js";
import { aQuestionInput } from "../../helpers/bank-builders.js";

/** A roadcert question file holding the given questions. */
function roadcertFile(questions: Record<string, unknown>[]) {
  return {
    name: "refs.json",
    content: JSON.stringify({ format: "roadcert-questions/1", title: "编号测试", questions }),
  };
}

describe("question import: refs and chapters as written in roadcert JSON", () => {
  it("when a ref carries spaces or full-width letters, then it is read as the plain ref, and the same ref twice is refused as repeated", () => {
    const parsed = parseImportFile(
      roadcertFile([
        aQuestionInput({ ref: "PF-1 ", stem: "第一题：出车前应当检查轮胎吗" }),
        aQuestionInput({ ref: "PF-1", stem: "第二题：出车前应当检查灯光吗" }),
        aQuestionInput({
          ref: "\u3000ＰＦ－２",
          chapter: " 安全行车\u3000",
          stem: "第三题：出车前应当检查制动吗",
        }),
      ]),
    );
    expect(parsed.items.map((i) => [i.ref, i.outcome])).to.deep.equal([
      ["PF-1", "ok"],
      ["PF-1", "invalid"],
      ["PF-2", "ok"],
    ]);
    expect(parsed.items[1]?.notes.join("")).to.contain("重复");
    expect(parsed.items[2]?.question).to.deep.include({ ref: "PF-2", chapter: "安全行车" });
  });

  it("when a ref is only whitespace, then the item is refused naming the ref", () => {
    const [item] = parseImportFile(roadcertFile([aQuestionInput({ ref: " \u3000 " })])).items;
    expect(item?.outcome).to.equal("invalid");
    expect(item?.notes.join("")).to.contain("编号（ref）");
  });
});

describe("question contract: a question's ref as every path stores it", () => {
  it("when a ref is padded with spaces or typed in full width, then the contract reads the plain ref, padding not counted in its 64 characters", () => {
    const long = `ＰＦ－${"Ｘ".repeat(61)}`;
    const parsed = [" PF-1 ", "\u3000ＰＦ－１\u3000", `\u3000${long} `].map(
      (ref) => QuestionInput.safeParse(aQuestionInput({ ref })).data?.ref,
    );
    expect(parsed).to.deep.equal(["PF-1", "PF-1", `PF-${"X".repeat(61)}`]);
  });

  it("when a ref is only spaces, then the contract refuses it saying in Chinese that the ref is empty", () => {
    const result = QuestionInput.safeParse(aQuestionInput({ ref: " \u3000 " }));
    expect(result.success).to.equal(false);
    const issue = result.error?.issues.find((i) => i.path[0] === "ref");
    expect(issue?.message).to.match(/编号/u).and.match(/空/u);
  });
});
