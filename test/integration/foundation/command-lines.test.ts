import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";

const run = promisify(execFile);
type Outcome = { code: number; stdout: string; stderr: string };

/** A project script run as its npm command runs it (tsx, from the project's root). */
const script = (file: string, ...args: string[]): Promise<Outcome> =>
  run("node_modules/.bin/tsx", [file, ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: Outcome) => err,
  );

const DEMO_TRUST_FILES = ["DEMO-ONLY-signing-keys.json", "trust-list.json", "trust-anchors.json"].map((f) =>
  join("trust/demo", f),
);

describe("the commands' command lines", function () {
  this.timeout(60_000);

  it("when cert:demo-trust is given a misspelt --new-keys, then it refuses with exit 2 and writes no trust file", async () => {
    const before = DEMO_TRUST_FILES.map((f) => readFileSync(f, "utf8"));
    const out = await script("scripts/cert-demo-trust.ts", "--newkeys");
    expect(out.code).to.equal(2);
    expect(out.stderr)
      .to.contain("参数有误：Unknown option '--newkeys'")
      .and.to.contain("用法：npm run cert:demo-trust");
    expect(DEMO_TRUST_FILES.map((f) => readFileSync(f, "utf8"))).to.deep.equal(before);
  });

  it("when npm run dev is given an option it does not know, then it refuses with exit 2 before starting anything", async () => {
    const out = await script("scripts/dev.ts", "--nod");
    expect(out.code).to.equal(2);
    expect(out.stderr).to.contain("参数有误：Unknown option '--nod'").and.to.contain("用法：npm run dev");
    expect(out.stdout).to.not.contain("[dev] database");
  });
});
