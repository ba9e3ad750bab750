import { ref } from "vue";
import { ApiError } from "./api-error.js";

/** What a page does with a read's outcome: show what it read, or clear what it showed before. */
export interface LoadHandlers<T> {
  /** Puts the answer on the page. */
  loaded: (value: T) => void;
  /**
   * Takes away what an earlier read showed, so nothing of it stays under the failure (another
   * category's rows, the last filter's list). Pages that show LoadFailed in place of everything
   * need not.
   */
  failed?: () => void;
}

/**
 * A page's data read, with its failure shown in place (`error`, for LoadFailed and its 重试)
 * instead of an empty page that reads as "there is nothing": `read` is the page's API call as it
 * stands (whether the API layer also toasts is the call's `notify`), `loaded` puts its answer on
 * the page. `load` is what mounting, 重试 and a filter's change call; it answers whether this read
 * was shown, for a page that reads more after it.
 *
 * A read asked for again (a filter changed twice quickly, 重试 pressed while a read is on its way)
 * makes every answer still on its way stale: a slow older answer never replaces a newer one, nor
 * its failure a newer answer. Only the server's refusals (ApiError) are shown; anything else is a
 * defect and is thrown, for the app's error handler.
 */
export function useLoad<T>(read: () => Promise<T>, handlers: LoadHandlers<T>) {
  /** Why the data could not be read; null once it has been. */
  const error = ref<string | null>(null);
  const loading = ref(false);
  let generation = 0;

  async function load(): Promise<boolean> {
    const asked = ++generation;
    loading.value = true;
    try {
      const value = await read();
      if (asked !== generation) return false;
      handlers.loaded(value);
      error.value = null;
      return true;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (asked !== generation) return false;
      handlers.failed?.();
      error.value = err.message;
      return false;
    } finally {
      if (asked === generation) loading.value = false;
    }
  }

  return { error, loading, load };
}
