import { ElMessageBox } from "element-plus";

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
