import { expect } from "chai";
import type { LoadedStatusList } from "../../../server/certificates/index.js";
import { NODE_TIME_ZONE } from "../../helpers/time-zone.js";
import { anOfflineVerifier } from "./trust-fixtures.js";

const NOW = new Date("2026-06-01T00:00:00Z");
const HOUR = 3_600_000;

/**
 * A status list says nothing past its validUntil: an old list (taken before a revocation) must not
 * vouch for a certificate revoked since, however it reached the verifier (a file, a cached copy).
 */
describe("offline verification with a status list past its validUntil", () => {
  const offline = anOfflineVerifier(NOW);
  /** A list of the province made at `generatedAt`, valid an hour, with the sample's entry as `state`. */
  const statusList = (generatedAt: Date, state: "valid" | "revoked") =>
    offline.statusList(generatedAt, { state, validForSeconds: 3600 });
  const verify = (status: LoadedStatusList) => offline.verify(status, NODE_TIME_ZONE);

  it("when the only status list expired an hour ago, then the status is unknown and a warning says the list expired, not valid as of that list", () => {
    const r = verify(statusList(new Date(NOW.getTime() - 2 * HOUR), "valid"));
    expect(r).to.deep.include({
      ok: true,
      authentic: true,
      code: "valid",
      message: "证书真实有效（状态未知）",
    });
    expect(r.status).to.deep.equal({ state: "unknown", asOf: null, source: "none" });
    // validUntil 2026-05-31T23:00Z, written in the node's zone (China: 6月1日 07:00).
    expect(r.warnings.join("\n")).to.contain("状态列表已于 2026年6月1日 07:00:00 过期");
  });

  it("when the status list's validUntil is exactly now, then it counts as expired", () => {
    const r = verify(statusList(new Date(NOW.getTime() - HOUR), "valid"));
    expect(r.status?.state).to.equal("unknown");
    expect(r.warnings.join("\n")).to.contain("状态列表已于");
  });

  it("when the status list is within its validUntil, then its entry still decides (revoked is status_not_valid)", () => {
    const r = verify(statusList(new Date(NOW.getTime() - HOUR / 2), "revoked"));
    expect(r).to.deep.include({ ok: false, authentic: true, code: "status_not_valid" });
    expect(r.status?.state).to.equal("revoked");
  });
});
