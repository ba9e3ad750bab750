import { ElMessage } from "element-plus";
import type { z } from "zod";
import { ApiError, isErrorBody } from "./api-error.js";
import { fallbackError } from "./fallback-error.js";
import { createErrorToasts } from "./toasts.js";

/**
 * What a route's zod schema in `@contracts` accepts: the body or query as the client sends it
 * (before the server's defaults and trims), so an API function takes the contract's own type and
 * never restates it. A field the server reads from text (`wholeNumber` in a query) accepts `unknown`
 * on the wire; the client sends the number it yields.
 */
export type Sent<Schema extends z.ZodType> = SentFields<z.input<Schema>, z.output<Schema>>;
type SentFields<In, Out> = {
  [K in keyof In]: unknown extends In[K] ? (K extends keyof Out ? Out[K] : never) : In[K];
};

// In its own module, so code that only tells the server's refusals apart (use-load, unit tests
// in Node) does not take in the browser-only request code.
export { ApiError } from "./api-error.js";

/** Header the server's CSRF check reads on every state-changing request. */
export const CSRF_HEADER = "x-csrf-token";

let csrfToken: string | null = null;
let csrfPending: Promise<string> | null = null;

/** Forgets the CSRF token (the session changed: login, logout). */
export function resetCsrf(): void {
  csrfToken = null;
  csrfPending = null;
}

/** Takes the token a login or `/api/auth/me` answer carries, so no extra round trip is needed. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
  csrfPending = null;
}

async function csrf(): Promise<string> {
  if (csrfToken) return csrfToken;
  csrfPending ??= fetch("/api/auth/csrf", {
    credentials: "same-origin",
    headers: { accept: "application/json" },
  })
    .then(async (res) => {
      const body = (await res.json().catch(() => null)) as { csrfToken?: unknown } | null;
      const token = typeof body?.csrfToken === "string" ? body.csrfToken : "";
      // Not cached when absent, so the next write asks again instead of failing forever.
      csrfToken = token || null;
      return token;
    })
    .finally(() => {
      csrfPending = null;
    });
  return csrfPending;
}

export interface RequestOptions {
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON body (writes only). */
  body?: unknown;
  /**
   * Show the server's message with ElMessage on failure (default true); a function decides per
   * refusal (a page that shows some refusals in place and only those without a toast).
   */
  notify?: boolean | ((error: ApiError) => boolean);
  signal?: AbortSignal;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * Calls the node's REST API (`path` like `/api/exams`): JSON in and out, the session cookie, and the CSRF header on writes.
 * A failure throws `ApiError` carrying the server's `{ error: { code, message } }` and (unless
 * `notify: false`) shows the message, so a page only handles the codes it cares about.
 */
export async function request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(options.query ?? {}))
    if (v !== undefined) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";

  const send = async (): Promise<Response> => {
    if (method !== "GET") headers[CSRF_HEADER] = await csrf();
    return fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  };

  let res: Response;
  try {
    res = await send();
    // A stale token (the session rotated at login) is refused once; fetch a fresh one and retry.
    if (res.status === 403 && method !== "GET") {
      const peek = (await res
        .clone()
        .json()
        .catch(() => null)) as unknown;
      if (isErrorBody(peek) && peek.error.code.startsWith("csrf")) {
        resetCsrf();
        res = await send();
      }
    }
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    return fail(new ApiError(0, fallbackError(0)), options);
  }

  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => null)) as unknown;
  if (!res.ok)
    return fail(
      new ApiError(res.status, isErrorBody(data) ? data.error : fallbackError(res.status)),
      options,
    );
  return data as T;
}

/** The error toasts `fail` shows. */
const errorToasts = createErrorToasts(ElMessage);

function fail(error: ApiError, options: Pick<RequestOptions, "notify">): never {
  const notify = typeof options.notify === "function" ? options.notify(error) : options.notify !== false;
  if (notify) errorToasts.showError(error.message);
  throw error;
}

/**
 * Closes the error toasts requests showed, and no other toast: a page calls it once a later write
 * of its own succeeds (or is sent again), so a refusal that was put right does not stay on screen
 * beside the success.
 */
export function dismissErrorToasts(): void {
  errorToasts.dismiss();
}

/**
 * Posts a file as the raw request body (e.g. a PDF to verify), with the CSRF header; answers JSON.
 * Failures throw `ApiError` like `request`.
 */
export async function postFile<T>(path: string, file: Blob, options: { notify?: boolean } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(path, window.location.origin), {
      method: "POST",
      headers: {
        accept: "application/json",
        "content-type": file.type || "application/octet-stream",
        [CSRF_HEADER]: await csrf(),
      },
      credentials: "same-origin",
      body: file,
    });
  } catch {
    return fail(new ApiError(0, fallbackError(0)), options);
  }
  const data = (await res.json().catch(() => null)) as unknown;
  if (!res.ok)
    return fail(
      new ApiError(res.status, isErrorBody(data) ? data.error : fallbackError(res.status)),
      options,
    );
  return data as T;
}

/** Shorthands for `request`. */
export const api = {
  get: <T>(path: string, options?: Omit<RequestOptions, "body">) => request<T>("GET", path, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>("POST", path, { ...options, body }),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>("PUT", path, { ...options, body }),
  patch: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>("PATCH", path, { ...options, body }),
  delete: <T>(path: string, options?: RequestOptions) => request<T>("DELETE", path, options),
};
