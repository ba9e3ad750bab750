import fc from "fast-check";
import { HangError, errorShapeProblem, hangBound, preview, type FuzzProblems } from "./fuzz.js";
import type { FuzzBody } from "./fuzz-mutations.js";
import { nastyQuery, nastySegment } from "./fuzz-values.js";

/** One malformed HTTP request of the sweep. */
export interface FuzzRequest {
  method: string;
  url: string;
  body?: FuzzBody;
  headers?: Record<string, string>;
}

export type FuzzOutcome = { status: number; body: unknown } | { failure: string };

/** Sends one request within a hang bound (`hangBound`): a request that is not answered within it is a hang. */
export async function sendBounded(baseUrl: string, req: FuzzRequest): Promise<FuzzOutcome> {
  const headers: Record<string, string> = { ...req.headers };
  let payload: string | undefined;
  if (req.body && req.method !== "GET" && req.method !== "HEAD") {
    if (req.body.kind === "json") {
      payload = req.body.value === undefined ? "" : JSON.stringify(req.body.value);
      headers["content-type"] = "application/json";
    } else {
      payload = req.body.text;
      headers["content-type"] = req.body.contentType;
    }
  }
  const bound = hangBound();
  try {
    const res = await fetch(new URL(req.url, baseUrl), {
      method: req.method,
      headers,
      body: payload,
      redirect: "manual",
      signal: bound.signal,
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: checked below for refusals, fine for e.g. a PDF download
    }
    return { status: res.status, body };
  } catch (err) {
    return { failure: err instanceof HangError ? err.message : `no answer: ${(err as Error).message}` };
  } finally {
    bound.end();
  }
}

/** Records what is wrong with one outcome; true when the request was refused (4xx). */
export function judge(outcome: FuzzOutcome, what: string, problems: FuzzProblems): boolean {
  if ("failure" in outcome) {
    problems.add(`${what} → ${outcome.failure}`);
    return true;
  }
  if (outcome.status >= 500) {
    problems.add(`${what} → ${outcome.status} ${preview(outcome.body)}`);
    return true;
  }
  if (outcome.status >= 400) {
    const shape = errorShapeProblem(outcome.body);
    if (shape) problems.add(`${what} → ${outcome.status} ${shape}`);
    return true;
  }
  return false;
}

/**
 * URLs built from a valid one: a path parameter (per the route's `:name` segments) replaced by a
 * malformed segment, or a malformed query appended.
 */
export function mutatedUrls(routePath: string, url: string): fc.Arbitrary<string> {
  const [pathPart = "", query] = url.split("?", 2);
  const segments = pathPart.split("/");
  const routeSegments = routePath.split("/");
  const offset = segments.length - routeSegments.length;
  const params = routeSegments.flatMap((s, i) => (s.startsWith(":") ? [i + offset] : []));
  const withQuery = (q: string) => `${pathPart}?${query ? `${query}&` : ""}${q}`;
  const options: fc.Arbitrary<string>[] = [nastyQuery.map(withQuery)];
  if (params.length) {
    options.push(
      fc.tuple(fc.constantFrom(...params), nastySegment).map(([i, seg]) => {
        const copy = [...segments];
        copy[i] = seg;
        return copy.join("/") + (query ? `?${query}` : "");
      }),
    );
  }
  return fc.oneof(...options);
}
