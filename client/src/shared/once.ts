import { ref } from "vue";

/**
 * One write at a time for a page's buttons (bind `:loading="busy"`): `once(work, $event)` does
 * nothing while an earlier write, and the reload after it, is still on its way, nor for the second
 * click of a double click (`detail` counts the clicks in a row). A quick server had answered the
 * first click before the second arrived, so the busy flag alone let the second click act on what
 * the page showed next: the next question in the review queue approved unseen, a second
 * blueprint version saved.
 */
export function useOnce() {
  const busy = ref(false);

  async function once(work: () => Promise<void>, event?: { detail?: unknown }): Promise<void> {
    if (busy.value || (typeof event?.detail === "number" && event.detail > 1)) return;
    busy.value = true;
    try {
      await work();
    } finally {
      busy.value = false;
    }
  }

  return { busy, once };
}
