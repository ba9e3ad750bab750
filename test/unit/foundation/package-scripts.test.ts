import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

function scriptsOf(packageJson: string): Record<string, string> {
  const pkg = JSON.parse(readFileSync(path.join(root, packageJson), "utf8")) as {
    scripts: Record<string, string>;
  };
  return pkg.scripts;
}

/** Scripts that are one command: no `&&`, `;` or `|` (a pipe, or `||`) between commands. */
const singleCommand = (script: string) => !/&&|;|\|/.test(script);

describe("package scripts", () => {
  for (const file of ["package.json", "packages/mongo-standin/package.json"]) {
    it(`when a script of ${file} runs one command, then it execs it, so a signal sent to npm alone reaches that command`, () => {
      // npm passes SIGTERM/SIGINT to its script's shell only; without `exec` the shell died of it
      // (or ignored it) and the command it started ran on: `npm start` left three nodes on their
      // ports, `npm run bench:exam` its database and node.
      const scripts = scriptsOf(file);
      const single = Object.entries(scripts).filter(([, script]) => singleCommand(script));
      expect(single.length, "single-command scripts").to.be.greaterThan(3);
      // The set-up script is a bash script run to its end, not a long-running process.
      const notExeced = single.filter(([name, script]) => name !== "pretest" && !script.startsWith("exec "));
      expect(notExeced).to.deep.equal([]);
    });
  }

  it("when the long-running scripts are read, then the demo network, the database stand-in, the benchmarks and the test steps are among those held to exec, each under node itself", () => {
    const scripts = scriptsOf("package.json");
    expect(scripts.start).to.equal("exec node --import tsx scripts/demo-network.ts");
    expect(scripts.dev).to.equal("exec node --import tsx scripts/dev.ts");
    expect(scripts["db:standin"]).to.equal("exec node --import tsx packages/mongo-standin/src/cli.ts");
    expect(scripts["bench:exam"]).to.equal("exec node --import tsx scripts/bench-exam.ts");
    // The test steps through scripts/run-steps.ts (a signal reaches every process below the
    // running step), not an `&&` chain.
    expect(scripts.test).to.equal(
      "exec node --import tsx scripts/run-steps.ts lint typecheck test:unit test:integration test:standin test:e2e",
    );
  });

  it("when a script runs TypeScript, then it loads tsx into node rather than running the tsx command", () => {
    // The tsx command runs the script as its child and relays a signal to it; when the child has
    // not acknowledged it within 30 ms (a loaded machine), tsx SIGKILLs it. run-steps, the demo
    // network and the benchmarks were killed in the middle of stopping what they started, which
    // was left running (seen: npm test sent SIGTERM left its step's processes behind).
    const runsTsx = (script: string) =>
      script.split(/\s+/).some((word, i, words) => /(^|\/)tsx$/.test(word) && words[i - 1] !== "--import");
    const wrapped = Object.entries(scriptsOf("package.json")).filter(([, script]) => runsTsx(script));
    expect(wrapped).to.deep.equal([]);
  });
});
