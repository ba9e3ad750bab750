import { createTextVNode, type VNode } from "vue";
import type { MessageHandler, MessageOptions } from "element-plus";

/** Shows a toast: ElMessage in the app, a stand-in in unit tests. */
export type ShowToast = (options: MessageOptions) => MessageHandler;

/**
 * The error toasts the API client shows for refused requests, and closing them (and only them)
 * once the page has put the refusal right.
 *
 * ElMessage's `grouping` merges a toast into any open one whose `message` is the same value, of
 * whatever type: given as text, a refusal reading like a notice on screen (the router's 无权访问
 * warning, a success) took that notice over (turned it red) and handed back its handler, and
 * dismissing the error toasts then closed the notice; a notice shown after did the same to the
 * refusal's toast. Each text is shown here through a render function of its own, a value no other
 * toast has, so only this module's toasts of the same text merge (one toast counting repeats).
 */
export function createErrorToasts(show: ShowToast) {
  /** The open error toasts by text: the render function that toast was shown with, and its handler. */
  const open = new Map<string, { render: () => VNode; handler: MessageHandler }>();

  /** Shows `text` as an error toast; the same text shown again while open counts on the same toast. */
  function showError(text: string): void {
    const render = open.get(text)?.render ?? (() => createTextVNode(text));
    const handler = show({
      type: "error",
      message: render,
      grouping: true,
      showClose: true,
      // Only the toast's first showing registers this (a repeat merges into it); it closes once.
      onClose: () => {
        if (open.get(text)?.render === render) open.delete(text);
      },
    });
    open.set(text, { render, handler });
  }

  /** Closes the error toasts `showError` showed that are still open, and no other toast. */
  function dismiss(): void {
    const closing = [...open.values()];
    open.clear();
    for (const { handler } of closing) handler.close();
  }

  return { showError, dismiss };
}
