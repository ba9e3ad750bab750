/**
 * After a redeploy the open tab still names the old build's page chunks, which are gone: a lazy
 * page then fails to load and a menu click did nothing at all. The tab reloads once, straight to
 * the page asked for (the new index.html names the new chunks); if that page still fails, it says
 * so instead of reloading in a loop.
 */

/** How browsers word a module or its preload that could not be fetched (Chromium, Firefox, Safari, Vite). */
const STALE_CHUNK = [
  /Failed to fetch dynamically imported module/i,
  /error loading dynamically imported module/i,
  /Importing a module script failed/i,
  /Unable to preload CSS/i,
];

export function isStaleChunkError(err: unknown): boolean {
  const message = err instanceof Error ? err.message : "";
  return STALE_CHUNK.some((re) => re.test(message));
}

/** The sessionStorage key marking a reload made for a stale chunk (per tab, gone when it closes). */
const RELOADED_AT = "rc-stale-chunk-reload";
/** A reload this recent that did not bring a page up is not tried again. */
const GUARD_MS = 60_000;

export const STALE_CHUNK_NOTICE = "系统已更新，请刷新页面";

export interface StaleChunkDeps {
  /** The tab's sessionStorage (what of it is used: the browser's Storage fits it). */
  storage: {
    getItem(key: string): string | null;
    setItem(key: string, value: string): void;
    removeItem(key: string): void;
  };
  reload: (url: string) => void;
  notify: (message: string) => void;
  now: () => number;
}

export function createStaleChunkRecovery(deps: StaleChunkDeps) {
  // A reload under way: a second failure on the way out (a preload and the route's import) is the same one.
  let reloading = false;
  return {
    /** A stale chunk stopped the way to `target`: reload there once, or say the system was updated. */
    recover(target: string): void {
      if (reloading) return;
      const last = Number(deps.storage.getItem(RELOADED_AT));
      if (last && deps.now() - last < GUARD_MS) {
        deps.notify(STALE_CHUNK_NOTICE);
        return;
      }
      reloading = true;
      deps.storage.setItem(RELOADED_AT, String(deps.now()));
      deps.reload(target);
    },
    /** A page came up: the new build works, so a later redeploy may reload the tab again. */
    loaded(): void {
      reloading = false;
      deps.storage.removeItem(RELOADED_AT);
    },
  };
}
