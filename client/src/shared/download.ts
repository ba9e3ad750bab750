import { ref } from "vue";
import { ElMessage } from "element-plus";
import {
  downloadFallbackError,
  opensInTab,
  readDownload,
  type DownloadAnswer,
  type DownloadedFile,
} from "./download-answer.js";
import { createErrorToasts } from "./toasts.js";

/**
 * Files from the node's API (`/api/...`: PDFs, CSV and Excel exports, templates, documents) are
 * fetched, never reached by a plain link, `window.open(url)` or `location.href`: a refusal (401,
 * 403, 404, 409, 422, 429, 503 with `{ error: { code, message } }`) then shows the server's message
 * on the page, where a link had opened the raw JSON as a page (or saved it as the "file").
 */

const errorToasts = createErrorToasts(ElMessage);

/**
 * How long a document opened in a tab keeps its blob URL: the tab's viewer reads it again to save
 * or print it, and the URL dies with this page anyway; revoking on load broke the viewer's 下载.
 */
const OPENED_URL_LIFETIME_MS = 10 * 60_000;

/**
 * Fetches `url` from this origin only, following no redirect (fetch then fails): a download
 * answered from elsewhere is not the file asked for, and openDownload would show it as roadcert.
 */
async function fetchDownload(url: string, fallbackName: string): Promise<DownloadAnswer> {
  try {
    const target = new URL(url, window.location.origin);
    if (target.origin !== window.location.origin)
      return {
        ok: false,
        status: 0,
        error: { code: "download_foreign", message: "下载地址不属于本系统，已拒绝" },
      };
    const res = await fetch(target, { credentials: "same-origin", redirect: "error" });
    return await readDownload(res, fallbackName);
  } catch {
    return { ok: false, status: 0, error: downloadFallbackError(0) };
  }
}

/** Saves `file` under its name, as a link with `download` does. */
function saveFile(file: DownloadedFile): void {
  const href = URL.createObjectURL(file.blob);
  const link = document.createElement("a");
  link.href = href;
  link.download = file.filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked on the next turn: the click has handed the blob to the download by then.
  setTimeout(() => URL.revokeObjectURL(href), 0);
}

/**
 * A refusal the user may overrule (an export that would leave something out): asked with the
 * server's message only when the server refuses with `code`, not before every download.
 */
export interface RefusalOverrule {
  code: string;
  /** Resolves to the address to fetch instead (the user accepted), or null (the user declined). */
  ask: (message: string) => Promise<string | null>;
}

/**
 * Downloads `url` and saves it under the name the server gave it (Content-Disposition, Chinese
 * names included), else `fallbackName`; a refusal shows the server's message. Resolves to whether
 * the file was saved.
 */
export async function saveDownload(
  url: string,
  fallbackName: string,
  overrule?: RefusalOverrule,
): Promise<boolean> {
  let answer = await fetchDownload(url, fallbackName);
  if (!answer.ok && overrule && answer.error.code === overrule.code) {
    const instead = await overrule.ask(answer.error.message);
    if (instead === null) return false;
    answer = await fetchDownload(instead, fallbackName);
  }
  if (!answer.ok) {
    errorToasts.showError(answer.error.message);
    return false;
  }
  saveFile(answer.file);
  return true;
}

export interface OpenOptions {
  /** The name if the tab cannot be opened (a popup blocker) and the file is saved instead. */
  fallbackName: string;
  /** Print once the document has loaded in its tab (打印). */
  print?: boolean;
  /**
   * The content type shown in the tab (default application/pdf). An answer of another type is
   * saved as a file instead: the tab's blob: page would run with roadcert's origin.
   */
  type?: string;
}

/**
 * Opens `url` (a PDF to read or print) in a new tab, fetched first: a refusal closes the tab and
 * shows the server's message here instead of a raw JSON page there. The tab is opened before the
 * fetch, inside the click: a window opened after an await is no longer the user's doing and popup
 * blockers refuse it. Blocked anyway, or not of the expected type, the file is saved instead.
 * Resolves to whether it was shown or saved.
 */
export async function openDownload(url: string, options: OpenOptions): Promise<boolean> {
  const view = window.open("", "_blank");
  if (view) {
    // The tab gets nothing of this page but the document: no way back through `opener`.
    view.opener = null;
    view.document.title = "正在打开…";
    view.document.body.textContent = "正在加载文件，请稍候…";
  }
  const answer = await fetchDownload(url, options.fallbackName);
  if (!answer.ok) {
    view?.close();
    errorToasts.showError(answer.error.message);
    return false;
  }
  const type = options.type ?? "application/pdf";
  if (!view || view.closed || !opensInTab(answer.file.contentType, type)) {
    view?.close();
    saveFile(answer.file);
    return true;
  }
  // The blob as exactly the type checked, whatever parameters the header carried.
  const href = URL.createObjectURL(new Blob([answer.file.blob], { type }));
  if (options.print) view.addEventListener("load", () => view.print(), { once: true });
  view.location.href = href;
  setTimeout(() => URL.revokeObjectURL(href), OPENED_URL_LIFETIME_MS);
  return true;
}

/**
 * A page's download buttons (bind `:loading="pending === key"`): one download at a time, and the
 * second click of a double click does nothing (`detail` counts the clicks in a row), so a quick
 * server does not save the file twice or open two tabs.
 */
export function useDownloads() {
  const pending = ref<string | null>(null);

  function run(key: string, work: () => Promise<boolean>, event?: { detail?: unknown }): Promise<void> {
    if (pending.value !== null || (typeof event?.detail === "number" && event.detail > 1))
      return Promise.resolve();
    pending.value = key;
    // Called at once, not after an await: openDownload opens its tab while the click still counts.
    return work()
      .then(() => undefined)
      .finally(() => {
        pending.value = null;
      });
  }

  return {
    pending,
    /** Saves `url` under the server's name (see saveDownload). */
    save: (
      key: string,
      url: string,
      fallbackName: string,
      event?: { detail?: unknown },
      overrule?: RefusalOverrule,
    ) => run(key, () => saveDownload(url, fallbackName, overrule), event),
    /** Opens `url` in a new tab, fetched first (see openDownload). */
    open: (key: string, url: string, options: OpenOptions, event?: { detail?: unknown }) =>
      run(key, () => openDownload(url, options), event),
  };
}
