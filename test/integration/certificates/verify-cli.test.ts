import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildStatusList, emptyStatusBits, setStatusBits } from "../../../server/certificates/index.js";
import { formatShown } from "../../../server/lib/local-time.js";
import { demoKey, demoQr, verifyCli, verifyCliOutcome } from "./fixtures-verify-cli.js";

/**
 * `npm run cert:verify` prints times as the verify page does (2026年12月7日 00:30:05), so what an
 * officer reads in a terminal and what the holder sees on /verify say the same thing the same way.
 */
describe("the offline verifying command", function () {
  this.timeout(60_000);

  it("when it verifies a certificate issued at 00:30 Beijing time, then it prints the issue time in the pages' 年月日 format, in Beijing time", async () => {
    const issuedAt = "2026-12-06T16:30:05.000Z";
    const qr = demoQr({ certificateNo: "990000199001010011", statusIndex: 12_345, issuedAt });
    // No status list: the status is unknown, which the command says with exit code 3.
    const { code, stdout } = await verifyCliOutcome([qr, "--now", "2026-12-07T01:00:00Z"]);
    expect(code).to.equal(3);
    expect(stdout).to.include(`签发时间: ${formatShown(issuedAt, "Asia/Shanghai")}`);
    expect(stdout).to.match(/签发时间: 2026年12月0?7日 00:30:05/);
    // No time in the old `2026-12-07 00:30:05` form is left (dates of validity are days, not times).
    expect(stdout).to.not.match(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  });

  it("when two status lists of the province are given, the older (all valid) last, then the newest decides and a revoked certificate is refused", async () => {
    const { provinceCode, sealing } = demoKey();
    const statusIndex = 23_456;
    const qr = demoQr({ certificateNo: "990000199001010022", statusIndex });
    const dir = mkdtempSync(join(tmpdir(), "cert-verify-lists-"));
    try {
      const listAt = (generatedAt: string, revoked: boolean) => {
        const bits = emptyStatusBits();
        if (revoked) setStatusBits(bits, statusIndex, "revoked");
        const file = join(dir, `status-${revoked ? "revoked" : "valid"}.json`);
        const doc = buildStatusList(
          { provinceCode, bits, now: new Date(generatedAt), validForSeconds: 86_400 },
          sealing,
        );
        writeFileSync(file, JSON.stringify(doc));
        return file;
      };
      const older = listAt("2026-12-06T20:00:00Z", false);
      const newer = listAt("2026-12-07T00:30:00Z", true);
      const outcome = await verifyCliOutcome([
        qr,
        "--status-list",
        newer,
        "--status-list",
        older,
        "--now",
        "2026-12-07T01:00:00Z",
      ]);
      expect(outcome.stdout).to.contain("status_not_valid");
      expect(outcome.code).to.equal(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("when the status list given is older than its ttl though unexpired, then the certificate is valid with a warning giving the status time, and --json names the warning's code", async () => {
    const { provinceCode, sealing } = demoKey();
    const qr = demoQr({ certificateNo: "990000199001010033", statusIndex: 34_567 });
    const dir = mkdtempSync(join(tmpdir(), "cert-verify-stale-"));
    try {
      // Generated 00:30 Beijing time, valid a day, ttl 5 minutes; verified at 09:00 Beijing time.
      const file = join(dir, "status.json");
      writeFileSync(
        file,
        JSON.stringify(
          buildStatusList(
            {
              provinceCode,
              bits: emptyStatusBits(),
              now: new Date("2026-12-06T16:30:00Z"),
              validForSeconds: 86_400,
            },
            sealing,
          ),
        ),
      );
      const args = [qr, "--status-list", file, "--now", "2026-12-07T01:00:00Z"];
      const { stdout } = await verifyCli(args);
      expect(stdout).to.contain("valid: 证书真实有效");
      expect(stdout).to.match(/⚠ 状态列表未按时更新，状态截至 2026年12月0?7日 00:30:00/);
      const json = JSON.parse((await verifyCli([...args, "--json"])).stdout) as {
        ok: boolean;
        warningCodes: string[];
      };
      // The demo trust list says it is one, too.
      expect(json).to.deep.include({ ok: true, warningCodes: ["demo_trust_list", "status_list_stale"] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
