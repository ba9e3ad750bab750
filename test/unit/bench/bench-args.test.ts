import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { z } from "zod";
import {
  BENCHMARKS_FILE,
  appendLine,
  benchCommandLine,
  count,
  filePath,
  lineFileOf,
  readBenchOptions,
} from "../../../scripts/bench/bench-args.js";

const OPTIONS = { rows: { type: "string", default: "10" }, out: { type: "string" } } as const;
const Schema = z.object({ rows: count(1, 100), out: filePath });

describe("benchmark options and line files", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "roadcert-bench-args-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("when options are given, then counts are numbers and paths are absolute", () => {
    expect(readBenchOptions("bench:x", ["--rows", "42", "--out", "a/b"], OPTIONS, Schema)).to.deep.equal({
      rows: 42,
      out: path.resolve("a/b"),
    });
    expect(readBenchOptions("bench:x", [], OPTIONS, Schema)).to.deep.equal({ rows: 10 });
  });

  it("when a count is not a whole number or out of range, or an option is unknown, then it is refused naming the benchmark and the option", () => {
    expect(() => readBenchOptions("bench:x", ["--rows", "1e3"], OPTIONS, Schema)).to.throw(
      /^bench:x: --rows: /,
    );
    expect(() => readBenchOptions("bench:x", ["--rows", "2.5"], OPTIONS, Schema)).to.throw(/--rows: /);
    // In range once read by Number() (16, 20, 5): refused all the same, not taken for another number.
    for (const text of ["0x10", "2e1", " 5", ""])
      expect(() => readBenchOptions("bench:x", ["--rows", text], OPTIONS, Schema), text).to.throw(/--rows: /);
    expect(() => readBenchOptions("bench:x", ["--rows", "0", "--out", ""], OPTIONS, Schema)).to.throw(
      /--rows: .*; --out: /,
    );
    expect(() => readBenchOptions("bench:x", ["--row", "5"], OPTIONS, Schema)).to.throw(
      /^bench:x: Unknown option '--row'/,
    );
  });

  it("when a benchmark's command line is read, then its values come with the line file it named, checked and resolved, or BENCHMARKS.md", () => {
    const named = benchCommandLine("bench:x", OPTIONS, Schema, [
      "--rows",
      "3",
      "--line-file",
      path.join(dir, "l"),
    ]);
    expect(named.values).to.include({ rows: 3 });
    expect(named.lineFile).to.equal(path.join(dir, "l"));
    expect(existsSync(named.lineFile), "created when checked").to.equal(true);
    expect(benchCommandLine("bench:x", OPTIONS, Schema, []).lineFile).to.equal(BENCHMARKS_FILE);
  });

  it("when no line file is named, then the line goes to BENCHMARKS.md at the project's root", () => {
    expect(BENCHMARKS_FILE).to.equal(path.resolve("BENCHMARKS.md"));
    expect(existsSync(BENCHMARKS_FILE)).to.equal(true);
  });

  it("when the line file can be appended to, then it is created if missing and each line is added after what it held", async () => {
    const file = lineFileOf("bench:x", path.join(dir, "lines.jsonl"));
    expect(readFileSync(file, "utf8")).to.equal("");
    writeFileSync(file, "earlier\n");
    await appendLine(file, { a: 1 });
    await appendLine(file, '{"b":2}');
    expect(readFileSync(file, "utf8")).to.equal('earlier\n{"a":1}\n{"b":2}\n');
  });

  it("when the line file's folder is missing or the path is a folder, then it is refused before the run", () => {
    expect(() => lineFileOf("bench:x", path.join(dir, "missing", "lines.jsonl"))).to.throw(
      /^bench:x: --line-file: cannot append to .*ENOENT/,
    );
    // A folder cannot be appended to, whoever runs the benchmark (root may write a read-only file).
    expect(() => lineFileOf("bench:x", dir)).to.throw(/cannot append to .*EISDIR/);
  });
});
