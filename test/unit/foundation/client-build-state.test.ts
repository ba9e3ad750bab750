import { expect } from "chai";
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { clientBuildState } from "../../../scripts/client-build.js";

describe("the client bundle npm start serves", () => {
  let dir: string;
  let built: string;
  let source: string;
  const at = (iso: string) => new Date(iso);

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "client-build-"));
    built = path.join(dir, "dist");
    source = path.join(dir, "src", "page.vue");
    await mkdir(path.dirname(source), { recursive: true });
    await writeFile(source, "<template />");
    await utimes(source, at("2026-12-01T00:00:00Z"), at("2026-12-01T00:00:00Z"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("when nothing was built yet, then the bundle is missing", () => {
    expect(clientBuildState(built, [path.join(dir, "src")])).to.equal("missing");
  });

  it("when a source changed after the last build (a git pull), then the bundle is stale; when built after it, fresh", async () => {
    await mkdir(built);
    const index = path.join(built, "index.html");
    await writeFile(index, "<html></html>");
    await utimes(index, at("2026-12-02T00:00:00Z"), at("2026-12-02T00:00:00Z"));
    expect(clientBuildState(built, [path.join(dir, "src")])).to.equal("fresh");
    await utimes(source, at("2026-12-03T00:00:00Z"), at("2026-12-03T00:00:00Z"));
    expect(clientBuildState(built, [path.join(dir, "src")])).to.equal("stale");
  });
});
