import { expect } from "chai";
import { confirmed, prompted, type ConfirmBox, type PromptBox } from "../../../client/src/shared/confirm.js";

/** A dialog that records what it was asked and is answered by pressing confirm or cancel. */
function aDialog(answer: "confirm" | "cancel") {
  const asked: { message: string; title: string; options: Record<string, unknown> }[] = [];
  const box: ConfirmBox = (message, title, options) => {
    asked.push({ message, title, options: { ...options } });
    return answer === "confirm" ? Promise.resolve("confirm") : Promise.reject(new Error("cancel"));
  };
  return { asked, box };
}

describe("asking an operator to confirm a warning", () => {
  it("when the operator confirms, then it resolves true and the dialog showed the page's texts", async () => {
    const { asked, box } = aDialog("confirm");
    expect(await confirmed("取消整个场次？", "取消场次", "确认取消", box)).to.equal(true);
    expect(asked).to.deep.equal([
      {
        message: "取消整个场次？",
        title: "取消场次",
        options: { type: "warning", confirmButtonText: "确认取消", cancelButtonText: "取消" },
      },
    ]);
  });

  it("when the operator cancels or closes the dialog, then it resolves false instead of rejecting", async () => {
    const { box } = aDialog("cancel");
    expect(await confirmed("取消整个场次？", "取消场次", "确认取消", box)).to.equal(false);
  });
});

/** A prompt that records what it was asked and is answered with text, a cancel, a close or a failure. */
function aPrompt(answer: { text: string } | "cancel" | "close" | Error) {
  const asked: { message: string; title: string; options: Record<string, unknown> }[] = [];
  const box: PromptBox = (message, title, options) => {
    asked.push({ message, title, options: { ...options } });
    if (answer instanceof Error) return Promise.reject(answer);
    // ElMessageBox rejects with the action's name (a string) when the person cancels or closes it.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    if (typeof answer === "string") return Promise.reject(answer);
    return Promise.resolve({ value: answer.text, action: "confirm" as const });
  };
  return { asked, box };
}

describe("asking an operator for a line of text", () => {
  it("when the operator writes a reason and confirms, then it resolves the text, trimmed, and the prompt showed the page's texts", async () => {
    const { asked, box } = aPrompt({ text: "  考生全部到齐 " });
    const validator = (v: string) => v.trim().length >= 2 || "请填写理由";
    expect(
      await prompted(
        "请填写理由",
        "提前开考",
        { confirmButtonText: "提前开考", inputValidator: validator },
        box,
      ),
    ).to.equal("考生全部到齐");
    expect(asked).to.deep.equal([
      {
        message: "请填写理由",
        title: "提前开考",
        options: { confirmButtonText: "提前开考", cancelButtonText: "取消", inputValidator: validator },
      },
    ]);
  });

  it("when the operator cancels or closes the prompt, then it resolves null instead of rejecting", async () => {
    expect(await prompted("请填写理由", "退回修改", {}, aPrompt("cancel").box)).to.equal(null);
    expect(await prompted("请填写理由", "退回修改", {}, aPrompt("close").box)).to.equal(null);
  });

  it("when the prompt fails for another reason, then the failure reaches the caller", async () => {
    const failure = new Error("no app context");
    let caught: unknown = null;
    await prompted("请填写理由", "退回修改", {}, aPrompt(failure).box).catch(
      (err: unknown) => (caught = err),
    );
    expect(caught).to.equal(failure);
  });
});
