import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildStatusList, emptyStatusBits } from "../../../server/certificates/index.js";
import { demoKey, demoQr, verifyCliOutcome } from "./fixtures-verify-cli.js";

/**
 * `npm run cert:verify` with the province's current status list and a QR whose signed status
 * index lies past its end: the verdict names that (a forged or malformed certificate), not a
 * missing status list, and the command exits 1.
 */
describe("the offline verifying command and a status index past the end of the list", function () {
  this.timeout(60_000);

  it("when the signed index is past the end of the province's current list, then --json gives status_index_out_of_range and the exit code is 1", async () => {
    const { provinceCode, sealing } = demoKey();
    const bits = emptyStatusBits();
    const statusIndex = bits.length * 4 + 7; // 2 bits an entry: 7 past the last one
    const qr = demoQr({ certificateNo: "990000199001010044", statusIndex });
    const dir = mkdtempSync(join(tmpdir(), "cert-verify-range-"));
    try {
      const list = join(dir, "status.json");
      writeFileSync(
        list,
        JSON.stringify(
          buildStatusList(
            {
              provinceCode,
              bits,
              now: new Date("2026-12-07T00:50:00Z"),
              validForSeconds: 86_400,
            },
            sealing,
          ),
        ),
      );
      const outcome = await verifyCliOutcome([
        qr,
        "--status-list",
        list,
        "--now",
        "2026-12-07T01:00:00Z",
        "--json",
      ]);
      const verdict = JSON.parse(outcome.stdout) as { ok: boolean; code: string; warningCodes: string[] };
      expect(verdict).to.deep.include({ ok: false, code: "status_index_out_of_range" });
      expect(verdict.warningCodes).to.not.include("status_list_missing");
      expect(outcome.code).to.equal(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
