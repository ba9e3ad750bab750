import type { ErrorBody } from "@contracts/errors.js";
import { isErrorBody } from "./api-error.js";
import { fallbackError } from "./fallback-error.js";

/** A downloaded file: its bytes, the name the server gave it and its content type ("" if none). */
export interface DownloadedFile {
  blob: Blob;
  filename: string;
  contentType: string;
}

/** A download route's answer as read: the file, or the server's refusal. */
export type DownloadAnswer =
  { ok: true; file: DownloadedFile } | { ok: false; status: number; error: ErrorBody };

/** What a download's refusal without the server's error body says (fallbackError, in a download's words). */
export function downloadFallbackError(status: number): ErrorBody {
  return fallbackError(status, "download");
}

/** Only the last part of a name: a `../` or `C:\` in it must not reach the saved file's name. */
function baseName(name: string): string {
  return name.split(/[/\\]/).pop()?.trim() ?? "";
}

/**
 * The file name in a Content-Disposition header: RFC 6266's `filename*` (RFC 5987, UTF-8 and
 * percent-encoded, an optional language tag) before the plain `filename`, else `fallback`. The
 * server sends Chinese names only as `filename*` (a plain header holds no UTF-8).
 */
function fileNameOf(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const encoded = /(?:^|;)\s*filename\*\s*=\s*utf-8'[^']*'([^;\s]+)/i.exec(header)?.[1];
  if (encoded) {
    try {
      const name = baseName(decodeURIComponent(encoded));
      if (name) return name;
    } catch {
      // A malformed encoding falls through to the plain name.
    }
  }
  const plain = /(?:^|;)\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/i.exec(header);
  const name = plain?.[1]?.replace(/\\(.)/g, "$1") ?? plain?.[2] ?? "";
  return baseName(name) || fallback;
}

/**
 * Reads a download route's answer: the file on success; otherwise the server's
 * `{ error: { code, message } }`, so the page shows why instead of the browser opening the raw JSON
 * as a page (what a plain link did).
 */
export async function readDownload(res: Response, fallbackName: string): Promise<DownloadAnswer> {
  // The node's download routes never redirect: what answers through one (a proxy's login page,
  // another site) is not the file asked for. The fetch refuses to follow one (download.ts); this
  // holds should a redirect get through anyway.
  if (res.redirected || res.type === "opaqueredirect")
    return {
      ok: false,
      status: res.status,
      error: { code: "download_redirected", message: "下载地址被重定向到其他页面，已拒绝：请刷新页面后重试" },
    };
  if (!res.ok) {
    const data = (await res.json().catch(() => null)) as unknown;
    return {
      ok: false,
      status: res.status,
      error: isErrorBody(data) ? data.error : downloadFallbackError(res.status),
    };
  }
  return {
    ok: true,
    file: {
      blob: await res.blob(),
      filename: fileNameOf(res.headers.get("content-disposition"), fallbackName),
      contentType: res.headers.get("content-type") ?? "",
    },
  };
}

/**
 * Whether a file of `contentType` may be shown in a tab of its own: only the type the caller
 * expects (a PDF by default). The tab shows a blob: URL, whose page runs with roadcert's origin,
 * so anything else (an HTML or SVG answer) is saved as a file instead, never rendered there.
 */
export function opensInTab(contentType: string | null | undefined, expected = "application/pdf"): boolean {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return type !== "" && type === expected.toLowerCase();
}
