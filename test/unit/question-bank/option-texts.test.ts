import { expect } from "chai";
import { QuestionInput } from "../../../server/contracts/question-bank.js";

/** A choice question's options must read differently: identical choices of which one scores are a trap. */
describe("question contract: option texts", () => {
  const question = (texts: string[]) => ({
    ref: "OPT-1",
    type: "single",
    stem: "连续驾驶 4 小时后至少应休息多久？",
    options: texts.map((text, i) => ({ key: "ABCD"[i], text })),
    answer: ["B"],
    chapter: "安全行车",
    categories: ["01001"],
  });
  const problems = (texts: string[]) =>
    (QuestionInput.safeParse(question(texts)).error?.issues ?? []).map((i) => [i.path.join("."), i.message]);

  it("when two options read the same, even in another width or spacing, then the question is refused naming both", () => {
    expect(problems(["5 分钟", "20 分钟", "２０　分钟", "不需要休息"])).to.deep.equal([
      ["options.2.text", "选项 C 与选项 B 内容相同"],
    ]);
  });

  it("when an option is only a full-width space, then it is refused as empty", () => {
    expect(problems(["5 分钟", "20 分钟", "　", "不需要休息"])).to.deep.equal([["options.2.text", "选项 C 内容为空"]]);
  });

  it("when the four options differ, then the question passes", () => {
    expect(problems(["5 分钟", "20 分钟", "2 分钟", "不需要休息"])).to.deep.equal([]);
  });
});
