import { readFileSync } from "node:fs";
import { expect } from "chai";
import { OPENAPI_DOCUMENTS } from "../../../server/hub/index.js";

/**
 * The hub's public GET routes refuse any query parameter (`noQuery`, 400 validation_failed); each
 * one's documented answers must say so. /identity did; /trust-list and /status-lists did not. The
 * routes are read from the source they run, so a new public route with `noQuery` is covered too.
 */
type Operation = { responses?: Record<string, { description?: string }> };
type Paths = Record<string, Record<string, Operation>>;

const root = new URL("../../../", import.meta.url);
const source = (file: string) => readFileSync(new URL(file, root), "utf8");

/** The public paths (relative to /api/hub/v1, OpenAPI spelling) whose GET route runs `noQuery`. */
function publicNoQueryPaths(): string[] {
  const found = [
    ...[...source("server/hub/hub.routes.ts").matchAll(/r\.get\(`\$\{HUB_API_PREFIX\}(\/[^`]*)`,\s*noQuery/g)],
    ...[...source("server/hub/report/report.routes.ts").matchAll(/r\.get\("\/hub\/v1(\/[^"]*)",\s*noQuery/g)],
  ].map((m) => (m[1] ?? "").replace(/:(\w+)/g, "{$1}"));
  return found;
}

describe("hub OpenAPI: public routes that take no query", () => {
  const documented = new Map<string, Operation>();
  for (const build of Object.values(OPENAPI_DOCUMENTS))
    for (const [path, methods] of Object.entries((build() as { paths: Paths }).paths))
      if (methods.get) documented.set(path, methods.get);

  it("when the routes are read, then the public ones with noQuery are found (the check can fail)", () => {
    expect(publicNoQueryPaths()).to.include.members(["/identity", "/trust-list", "/status-lists", "/status-lists/{provinceCode}"]);
  });

  it("when a documented public GET route refuses any query, then its document lists 400 validation_failed", () => {
    const missing = publicNoQueryPaths()
      .filter((path) => documented.has(path))
      .filter((path) => !/validation_failed/.test(documented.get(path)?.responses?.["400"]?.description ?? ""));
    expect(missing).to.deep.equal([]);
  });
});
