import { onMounted, onUnmounted } from "vue";

/**
 * Makes the browser ask before the page is reloaded or closed while `active()` holds: the exam
 * page uses it while answers not yet on the server live only in this page's memory (the journal
 * could not write them to IndexedDB), where a reload would lose them without a word.
 */
export function useUnloadGuard(active: () => boolean): void {
  function onBeforeUnload(event: BeforeUnloadEvent): void {
    if (!active()) return;
    event.preventDefault();
    // Older browsers ask only when a return value is set; its text is no longer shown anywhere.
    event.returnValue = "";
  }
  onMounted(() => window.addEventListener("beforeunload", onBeforeUnload));
  onUnmounted(() => window.removeEventListener("beforeunload", onBeforeUnload));
}
