import { expect } from "chai";
import { logoutCheck, takenOverWords } from "../../../client/src/features/exam/leave-words.js";

describe("exam page: leaving while answers are not on the server (client)", () => {
  it("when answers are still unsent during the exam, then 退出 is refused and names how many and which questions", () => {
    for (const status of ["in_progress", "submitting"] as const) {
      const check = logoutCheck({ status, pendingCount: 3, unacknowledged: [0, 4] });
      expect(check.kind, status).to.equal("refused");
      expect(check.message).to.contain("还有 3 条作答未保存到服务器").and.contain("第 1、5 题");
    }
  });

  it("when every answer is on the server during the exam, then 退出 asks for a confirmation first", () => {
    const check = logoutCheck({ status: "in_progress", pendingCount: 0, unacknowledged: [] });
    expect(check.kind).to.equal("confirm");
    expect(check.message).to.contain("考试正在进行");
  });

  it("when no exam is running (waiting, handed in, none loaded), then 退出 signs out at once", () => {
    for (const status of [null, "checked_in", "ready", "submitted", "voided"] as const)
      expect(logoutCheck({ status, pendingCount: 0, unacknowledged: [] }).kind, String(status)).to.equal(
        "free",
      );
  });

  it("when a taken-over page still holds unsent answers, then it names them and tells the candidate to continue here or tell the proctor", () => {
    const words = takenOverWords({ pendingCount: 2, unacknowledged: [2], durable: true });
    expect(words).to.contain("还有 2 条作答未保存到服务器").and.contain("第 3 题");
    expect(words).to.contain("在本页继续作答").and.contain("监考员");
    expect(words).not.to.contain("不受影响");
  });

  it("when a taken-over page holds unsent answers only in memory, then it does not send the candidate to a reload that loses them", () => {
    const words = takenOverWords({ pendingCount: 1, unacknowledged: [0], durable: false });
    expect(words).to.contain("第 1 题").and.contain("监考员").and.contain("请勿刷新");
    expect(words).not.to.contain("不受影响");
  });

  it("when a taken-over page has sent every answer, then it says the saved answers are unaffected", () => {
    expect(takenOverWords({ pendingCount: 0, unacknowledged: [], durable: true })).to.contain(
      "已保存的答案不受影响",
    );
  });
});
