import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  DEMO_TRUST_DIR,
  buildStatusList,
  createSigner,
  emptyStatusBits,
  sealClaims,
  setStatusBits,
} from "../../../server/certificates/index.js";
import type { SignatureSuite } from "../../../server/contracts/certificates.js";
import { formatShown } from "../../../server/lib/local-time.js";

const run = promisify(execFile);

/**
 * `npm run cert:verify` prints times as the verify page does (2026年12月7日 00:30:05), so what an
 * officer reads in a terminal and what the holder sees on /verify say the same thing the same way.
 */
describe("the offline verifying command", function () {
  this.timeout(60_000);

  /** The demo province's committed ed25519 certificate key (on the demo trust list the command trusts). */
  function demoKey() {
    const keys = JSON.parse(readFileSync(join(DEMO_TRUST_DIR, "DEMO-ONLY-signing-keys.json"), "utf8")) as {
      provinceCode: string;
      certificate: Record<
        SignatureSuite,
        { kid: string; suite: SignatureSuite; publicKey: string; privateKey: string }
      >;
    };
    const key = keys.certificate.ed25519;
    return { provinceCode: keys.provinceCode, sealing: { kid: key.kid, signer: createSigner(key) } };
  }

  it("when it verifies a certificate issued at 00:30 Beijing time, then it prints the issue time in the pages' 年月日 format, in Beijing time", async () => {
    const keys = JSON.parse(readFileSync(join(DEMO_TRUST_DIR, "DEMO-ONLY-signing-keys.json"), "utf8")) as {
      provinceCode: string;
      certificate: Record<
        SignatureSuite,
        { kid: string; suite: SignatureSuite; publicKey: string; privateKey: string }
      >;
    };
    const key = keys.certificate.ed25519;
    const issuedAt = "2026-12-06T16:30:05.000Z";
    const qr = sealClaims(
      {
        provinceCode: keys.provinceCode,
        certificateNo: "990000199001010011",
        version: 1,
        name: "示例持证人",
        categories: ["01001"],
        validFrom: "2026-12-07",
        validTo: "2032-12-06",
        issuedAt,
        statusIndex: 12_345,
        chainHash: "5e".repeat(32),
      },
      { kid: key.kid, signer: createSigner(key) },
    );
    const { stdout } = await run(
      "node_modules/.bin/tsx",
      ["scripts/cert-verify.ts", qr, "--now", "2026-12-07T01:00:00Z"],
      { env: { ...process.env, LOG_LEVEL: "silent" } },
    );
    expect(stdout).to.include(`签发时间: ${formatShown(issuedAt, "Asia/Shanghai")}`);
    expect(stdout).to.match(/签发时间: 2026年12月0?7日 00:30:05/);
    // No time in the old `2026-12-07 00:30:05` form is left (dates of validity are days, not times).
    expect(stdout).to.not.match(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  });

  it("when two status lists of the province are given, the older (all valid) last, then the newest decides and a revoked certificate is refused", async () => {
    const { provinceCode, sealing } = demoKey();
    const statusIndex = 23_456;
    const qr = sealClaims(
      {
        provinceCode,
        certificateNo: "990000199001010022",
        version: 1,
        name: "示例持证人",
        categories: ["01001"],
        validFrom: "2026-12-07",
        validTo: "2032-12-06",
        issuedAt: "2026-12-06T16:30:05.000Z",
        statusIndex,
        chainHash: "5e".repeat(32),
      },
      sealing,
    );
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
      const outcome = await run(
        "node_modules/.bin/tsx",
        [
          "scripts/cert-verify.ts",
          qr,
          "--status-list",
          newer,
          "--status-list",
          older,
          "--now",
          "2026-12-07T01:00:00Z",
        ],
        { env: { ...process.env, LOG_LEVEL: "silent" } },
      ).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
      );
      expect(outcome.stdout).to.contain("status_not_valid");
      expect(outcome.code).to.equal(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("when the status list given is older than its ttl though unexpired, then the certificate is valid with a warning giving the status time, and --json names the warning's code", async () => {
    const { provinceCode, sealing } = demoKey();
    const qr = sealClaims(
      {
        provinceCode,
        certificateNo: "990000199001010033",
        version: 1,
        name: "示例持证人",
        categories: ["01001"],
        validFrom: "2026-12-07",
        validTo: "2032-12-06",
        issuedAt: "2026-12-06T16:30:05.000Z",
        statusIndex: 34_567,
        chainHash: "5e".repeat(32),
      },
      sealing,
    );
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
      const args = ["scripts/cert-verify.ts", qr, "--status-list", file, "--now", "2026-12-07T01:00:00Z"];
      const env = { env: { ...process.env, LOG_LEVEL: "silent" } };
      const { stdout } = await run("node_modules/.bin/tsx", args, env);
      expect(stdout).to.contain("valid: 证书真实有效");
      expect(stdout).to.match(/⚠ 状态列表未按时更新，状态截至 2026年12月0?7日 00:30:00/);
      const json = JSON.parse((await run("node_modules/.bin/tsx", [...args, "--json"], env)).stdout) as {
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
