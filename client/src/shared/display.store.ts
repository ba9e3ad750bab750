import { defineStore } from "pinia";
import { ref, watch } from "vue";

const KEY = "roadcert.largeType";

/** Display preferences of this computer (kiosk large type), kept in localStorage. */
export const useDisplayStore = defineStore("display", () => {
  const largeType = ref(readFlag());
  watch(
    largeType,
    (on) => {
      document.documentElement.classList.toggle("rc-large", on);
      try {
        localStorage.setItem(KEY, on ? "1" : "0");
      } catch {
        // Private windows may refuse storage; the preference then lasts for this page only.
      }
    },
    { immediate: true },
  );
  return { largeType };
});

function readFlag(): boolean {
  try {
    return localStorage.getItem(KEY) === "1";
  } catch {
    return false;
  }
}
