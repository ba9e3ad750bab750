import { ElMessage } from "element-plus";

/**
 * Copies `text` and says so, or says how to copy it by hand: there is no clipboard outside a
 * secure context (a node served over plain http), where the text stays selectable on the page.
 */
export async function copyText(text: string, copied: string, byHand: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    ElMessage({ type: "success", message: copied, duration: 1500 });
  } catch {
    ElMessage({ type: "warning", message: byHand });
  }
}
