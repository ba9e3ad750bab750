import { expect } from "chai";
import { confirmed, type ConfirmBox } from "../../../client/src/shared/confirm.js";

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
