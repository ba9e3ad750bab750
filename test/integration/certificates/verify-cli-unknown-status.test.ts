import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildStatusList, emptyStatusBits } from "../../../server/certificates/index.js";
import { demoKey, demoQr, verifyCliOutcome } from "./fixtures-verify-cli.js";

/**
 * `npm run cert:verify` exits 0 only for an authentic certificate whose status a status list says
 * is valid: without one (none given, or only an expired one) the card may have been revoked, and a
 * script that trusts the exit code must not take it for valid.
 */
describe("the offline verifying command and an unknown status", function () {
  this.timeout(60_000);
  const now = "2026-12-07T01:00:00Z";

  it("when no status list is given, then it exits 3 (not 0), says in Chinese that the status is unknown, and --json keeps a parseable verdict", async () => {
    const qr = demoQr({ certificateNo: "990000199001010044", statusIndex: 45_678 });
    const outcome = await verifyCliOutcome([qr, "--now", now]);
    expect(outcome.code).to.equal(3);
    expect(outcome.stdout).to.contain("状态未知");
    expect(outcome.stdout).to.not.contain("✔ 有效");
    const json = await verifyCliOutcome([qr, "--now", now, "--json"]);
    expect(json.code).to.equal(3);
    expect(JSON.parse(json.stdout)).to.deep.include({ authentic: true, code: "valid" });
  });

  it("when the only status list given has expired, then it exits 3", async () => {
    const { provinceCode, sealing } = demoKey();
    const qr = demoQr({ certificateNo: "990000199001010055", statusIndex: 56_789 });
    const dir = mkdtempSync(join(tmpdir(), "cert-verify-expired-"));
    try {
      const file = join(dir, "status.json");
      const doc = buildStatusList(
        {
          provinceCode,
          bits: emptyStatusBits(),
          now: new Date("2026-12-05T00:00:00Z"),
          validForSeconds: 86_400,
        },
        sealing,
      );
      writeFileSync(file, JSON.stringify(doc));
      expect((await verifyCliOutcome([qr, "--status-list", file, "--now", now])).code).to.equal(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("when a current status list says valid, then it exits 0", async () => {
    const { provinceCode, sealing } = demoKey();
    const qr = demoQr({ certificateNo: "990000199001010066", statusIndex: 67_890 });
    const dir = mkdtempSync(join(tmpdir(), "cert-verify-current-"));
    try {
      const file = join(dir, "status.json");
      const doc = buildStatusList(
        {
          provinceCode,
          bits: emptyStatusBits(),
          now: new Date("2026-12-07T00:58:00Z"),
          validForSeconds: 86_400,
        },
        sealing,
      );
      writeFileSync(file, JSON.stringify(doc));
      const outcome = await verifyCliOutcome([qr, "--status-list", file, "--now", now]);
      expect(outcome.code).to.equal(0);
      expect(outcome.stdout).to.contain("✔ 有效");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
