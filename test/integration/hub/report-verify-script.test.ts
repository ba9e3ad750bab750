import { execFile } from "node:child_process";
import { sign } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { canonicalJson } from "../../../server/audit/index.js";
import type { CurrentMonthReport, PublishedReport } from "../../../server/contracts/hub-report.js";
import { generateNodeKey } from "../../../server/sharing/index.js";

const hubKey = generateNodeKey();

/** A genuine report of `month` with no province, signed with the test hub's key as the hub signs it. */
function aSignedReport(month: string): PublishedReport {
  const report: CurrentMonthReport = {
    format: "roadcert-monthly-report/2",
    month,
    timeZone: "Asia/Shanghai",
    from: "2026-09-30T16:00:00.000Z",
    to: "2026-10-31T16:00:00.000Z",
    partial: false,
    generatedAt: "2026-11-01T01:00:00.000Z",
    latencyTargetHours: 24,
    exchangeIncluded: false,
    provinces: [],
  };
  const bytes = Buffer.from(canonicalJson(report), "utf8");
  return {
    format: "roadcert-signed/1",
    signer: { keyId: hubKey.keyId, alg: "ed25519", publicKey: hubKey.publicKeyX },
    payload: bytes.toString("base64url"),
    signature: sign(null, bytes, hubKey.privateKey).toString("base64url"),
  };
}

/** Runs the script as a province officer would, never longer than 60 s (killed: code null). */
function verifyScript(...args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "scripts/report-verify.ts", ...args, "--key", hubKey.publicKeyX],
      { encoding: "utf8", timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: unknown }).code as number | null) : 0;
        resolve({ code: typeof code === "number" ? code : null, out: stdout + stderr });
      },
    );
  });
}

/**
 * scripts/report-verify.ts checks more than the signature: that the report is the month asked for
 * (a genuine October report offered as November's verified), and it stops reading a download at
 * its size bound instead of reading whatever a server sends before checking the size.
 */
describe("report:verify, the province's check of a downloaded monthly report", function () {
  this.timeout(180_000);
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      // The hub answers a trailing slash as the same report.
      const url = req.url?.replace(/\/$/, "");
      if (url === "/api/hub/v1/reports/2026-11") {
        // A genuine report, but October's.
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(aSignedReport("2026-10")));
        return;
      }
      if (url === "/api/hub/v1/reports/2026-10") {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(aSignedReport("2026-10")));
        return;
      }
      // Endless: 6 MiB, then nothing more and no end (a hostile or broken server).
      res.setHeader("content-type", "application/json");
      res.write(`"${"x".repeat(6 * 1024 * 1024)}`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it("when the month's genuine report is downloaded, then it verifies (exit 0)", async () => {
    const run = await verifyScript(`${base}/api/hub/v1/reports/2026-10`);
    expect(run.code, run.out).to.equal(0);
  });

  it("when the download for one month is a genuine report of another, then it fails naming both months", async () => {
    const run = await verifyScript(`${base}/api/hub/v1/reports/2026-11`);
    expect(run.code, run.out).to.equal(1);
    expect(run.out).to.contain("2026-10").and.to.contain("2026-11");
  });

  it("when a file is checked with --month for another month, then it fails", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "roadcert-verify-")), "report.json");
    writeFileSync(file, JSON.stringify(aSignedReport("2026-10")));
    const run = await verifyScript(file, "--month", "2026-09");
    expect(run.code, run.out).to.equal(1);
  });

  it("when a download URL for one month ends with a slash and serves another month's report, then it still fails naming both", async () => {
    const run = await verifyScript(`${base}/api/hub/v1/reports/2026-11/`);
    expect(run.code, run.out).to.equal(1);
    expect(run.out).to.contain("2026-10").and.to.contain("2026-11");
  });

  it("when October's genuine file is renamed as November's, then the month its name gives is checked and it fails", async () => {
    const file = path.join(
      mkdtempSync(path.join(tmpdir(), "roadcert-verify-")),
      "monthly-report-2026-11.signed.json",
    );
    writeFileSync(file, JSON.stringify(aSignedReport("2026-10")));
    const run = await verifyScript(file);
    expect(run.code, run.out).to.equal(1);
    expect(run.out).to.contain("wrong_month").and.to.contain("2026-11");
  });

  it("when a file's name gives no month and no --month is given, then the script refuses to guess (exit 2)", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "roadcert-verify-")), "report.json");
    writeFileSync(file, JSON.stringify(aSignedReport("2026-10")));
    const run = await verifyScript(file);
    expect(run.code, run.out).to.equal(2);
    expect(run.out).to.contain("--month");
  });

  it("when the file's envelope names another key id, then the script prints the thumbprint of the key that verified it", async () => {
    const file = path.join(
      mkdtempSync(path.join(tmpdir(), "roadcert-verify-")),
      "monthly-report-2026-10.signed.json",
    );
    const report = aSignedReport("2026-10");
    writeFileSync(file, JSON.stringify({ ...report, signer: { ...report.signer, keyId: "forged-key-id" } }));
    const run = await verifyScript(file);
    expect(run.code, run.out).to.equal(0);
    expect(run.out).to.contain(hubKey.keyId).and.not.to.contain("forged-key-id");
  });

  it("when a server sends more than the size bound and never ends, then the script stops at the bound and fails", async () => {
    const run = await verifyScript(`${base}/huge`);
    expect(run.code, run.out).to.equal(1);
    expect(run.out).to.contain("文件过大");
  });
});
