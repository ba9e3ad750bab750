import { expect } from "chai";
import type { MessageHandler, MessageOptions } from "element-plus";
import { createErrorToasts } from "../../../client/src/shared/toasts.js";

interface Toast {
  type: string;
  message: MessageOptions["message"];
  open: boolean;
  handler: MessageHandler;
  repeats: number;
}

/**
 * The screen's toasts as ElMessage (element-plus 2.14, message/src/method) keeps them: with
 * `grouping`, a new toast whose `message` is the very value (===) of an open one is merged into
 * it: that toast takes the new type, counts a repeat, and its handler is returned.
 */
function aScreen() {
  const toasts: Toast[] = [];
  function show(options: MessageOptions): MessageHandler {
    const same = options.grouping ? toasts.find((t) => t.open && t.message === options.message) : undefined;
    if (same) {
      same.type = options.type ?? "info";
      same.repeats += 1;
      return same.handler;
    }
    const toast: Toast = {
      type: options.type ?? "info",
      message: options.message,
      open: true,
      repeats: 1,
      handler: {
        close: () => {
          if (!toast.open) return;
          toast.open = false;
          options.onClose?.();
        },
      },
    };
    toasts.push(toast);
    return toast.handler;
  }
  /** The text a toast shows (a render function's text node, or the string). */
  function text(t: Toast): string {
    const m = t.message;
    const node = typeof m === "function" ? m() : m;
    if (typeof node === "string") return node;
    const children = node?.children;
    if (typeof children !== "string") throw new Error("a toast shows text");
    return children;
  }
  const shown = () => toasts.filter((t) => t.open).map((t) => `${t.type}: ${text(t)}`);
  return { show, shown, toasts };
}

describe("error toasts of refused requests (client)", () => {
  it("when error toasts are dismissed, then the success and info notices on screen stay", () => {
    const screen = aScreen();
    const errors = createErrorToasts(screen.show);
    screen.show({ type: "success", message: "已保存" });
    errors.showError("无法连接服务器，请检查网络后重试");
    screen.show({ type: "info", message: "该案件已由其他人处理" });
    errors.dismiss();
    expect(screen.shown()).to.deep.equal(["success: 已保存", "info: 该案件已由其他人处理"]);
  });

  it("when a refusal's text is that of a notice on screen, then the notice stays a notice and stays open when error toasts are dismissed", () => {
    const screen = aScreen();
    const errors = createErrorToasts(screen.show);
    screen.show({ type: "warning", message: "无权访问此页面", grouping: true });
    errors.showError("无权访问此页面");
    expect(screen.shown()).to.deep.equal(["warning: 无权访问此页面", "error: 无权访问此页面"]);
    errors.dismiss();
    expect(screen.shown()).to.deep.equal(["warning: 无权访问此页面"]);
  });

  it("when a notice with a refusal's text is shown after it, then the refusal's toast is not taken over, and dismissing closes the refusal only", () => {
    const screen = aScreen();
    const errors = createErrorToasts(screen.show);
    errors.showError("无权访问此页面");
    screen.show({ type: "warning", message: "无权访问此页面", grouping: true });
    expect(screen.shown()).to.deep.equal(["error: 无权访问此页面", "warning: 无权访问此页面"]);
    errors.dismiss();
    expect(screen.shown()).to.deep.equal(["warning: 无权访问此页面"]);
  });

  it("when the same refusal comes twice while its toast is open, then one toast counts both, and dismissing closes it", () => {
    const screen = aScreen();
    const errors = createErrorToasts(screen.show);
    errors.showError("提交的内容过大");
    errors.showError("提交的内容过大");
    expect(screen.shown()).to.deep.equal(["error: 提交的内容过大"]);
    expect(screen.toasts[0]?.repeats).to.equal(2);
    errors.dismiss();
    expect(screen.shown()).to.deep.equal([]);
  });

  it("when a refusal's toast closed by itself and the refusal comes again, then a new toast shows and dismissing closes it", () => {
    const screen = aScreen();
    const errors = createErrorToasts(screen.show);
    errors.showError("提交的内容过大");
    screen.toasts[0]?.handler.close();
    errors.showError("提交的内容过大");
    expect(screen.shown()).to.deep.equal(["error: 提交的内容过大"]);
    errors.dismiss();
    expect(screen.shown()).to.deep.equal([]);
  });
});
