import { ElMessageBox, type ElMessageBoxOptions } from "element-plus";

/** The part of `ElMessageBox.confirm` used here; tests pass a stand-in dialog. */
export type ConfirmBox = (
  message: string,
  title: string,
  options: { type: "warning"; confirmButtonText: string; cancelButtonText: string },
) => Promise<unknown>;

/**
 * Asks the operator to confirm a warning; true when confirmed. ElMessageBox rejects on cancel or
 * close, which an `await` at the call site would surface as an uncaught rejection: here a cancel
 * is an answer (false), not an error.
 */
export function confirmed(
  message: string,
  title: string,
  confirmText: string,
  box: ConfirmBox = (m, t, o) => ElMessageBox.confirm(m, t, o),
): Promise<boolean> {
  return box(message, title, {
    type: "warning",
    confirmButtonText: confirmText,
    cancelButtonText: "取消",
  }).then(
    () => true,
    () => false,
  );
}

/** What the prompts here set; `cancelButtonText` defaults to 取消. */
export type PromptOptions = Pick<
  ElMessageBoxOptions,
  | "confirmButtonText"
  | "cancelButtonText"
  | "type"
  | "inputValue"
  | "inputPlaceholder"
  | "inputPattern"
  | "inputErrorMessage"
  | "inputValidator"
>;

/** The part of `ElMessageBox.prompt` used here; tests pass a stand-in prompt. */
export type PromptBox = (
  message: string,
  title: string,
  options: PromptOptions,
) => Promise<{ value: string }>;

/** ElMessageBox rejects with the action's name when the person presses 取消 or closes the box. */
const isDismissal = (reason: unknown) => reason === "cancel" || reason === "close";

/**
 * Asks the operator for a line of text (a reason, a name); the text entered, trimmed (spaces around
 * a reason or a name are never meant), or null when cancelled or closed. As with `confirmed`, a
 * cancel is an answer, not an error; anything else the box rejects with (a failure) still reaches
 * the caller.
 */
export function prompted(
  message: string,
  title: string,
  options: PromptOptions = {},
  box: PromptBox = (m, t, o) => ElMessageBox.prompt(m, t, o),
): Promise<string | null> {
  return box(message, title, { cancelButtonText: "取消", ...options }).then(
    (answer) => answer.value.trim(),
    (reason: unknown) => {
      if (isDismissal(reason)) return null;
      throw reason;
    },
  );
}
