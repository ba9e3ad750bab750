import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect } from "chai";

const run = promisify(execFile);
type Outcome = { code: number; stdout: string; stderr: string };

/** `npm run bank:validate -- …args` as the command runs it (tsx, from the project's root). */
const validate = (...args: string[]): Promise<Outcome> =>
  run("node_modules/.bin/tsx", ["scripts/bank-validate.ts", ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: Outcome) => err,
  );

describe("bank:validate's command line", function () {
  this.timeout(60_000);

  it("when an option is misspelt, then it refuses with exit 2 and the usage instead of checking the default folder", async () => {
    const out = await validate("--dirr=question-bank");
    expect(out.code).to.equal(2);
    expect(out.stderr)
      .to.contain("参数有误：Unknown option '--dirr'")
      .and.to.contain("用法：npm run bank:validate");
    expect(out.stdout).to.not.contain("题库校验通过");
  });

  it("when the sample bank is named as its folder, then it is checked and passes", async () => {
    const out = await validate("--dir", "question-bank");
    expect(out.code, out.stderr).to.equal(0);
    expect(out.stdout).to.contain("✓ 题库校验通过");
  });
});
