import { expect } from "chai";
import type { LoadedStatusList } from "../../../server/certificates/index.js";
import { NODE_TIME_ZONE, OTHER_NODE_TIME_ZONE } from "../../helpers/time-zone.js";
import { anOfflineVerifier } from "./trust-fixtures.js";

const NOW = new Date("2026-06-01T00:00:00Z");
const MINUTE = 60_000;

/**
 * A status list is valid for a day (validUntil) but meant to be refreshed every few minutes (ttlMs).
 * A copy older than its ttl (a peer's last good copy, the hub's copy of a province that stopped
 * pushing) may predate a revocation: the verdict stays what the list says, with a warning saying
 * how current the status is, never a bare 证书真实有效.
 */
describe("offline verification with a status list older than its ttl", () => {
  const offline = anOfflineVerifier(NOW);
  /** A list of the province made at `generatedAt`, valid a day (ttl 5 minutes), the sample as `state`. */
  const statusList = (generatedAt: Date, state: "valid" | "revoked" = "valid") =>
    offline.statusList(generatedAt, { state, validForSeconds: 86_400 });
  const verify = (status: LoadedStatusList, timeZone = NODE_TIME_ZONE) => offline.verify(status, timeZone);

  it("when the list was generated three hours ago (ttl 5 minutes, valid a day), then the certificate is still valid but a stale-list warning with its code says the status is as of then, in the node's zone", () => {
    const status = statusList(new Date(NOW.getTime() - 180 * MINUTE));
    expect(status.body.ttlMs).to.equal(5 * MINUTE);
    const r = verify(status);
    expect(r).to.deep.include({ ok: true, authentic: true, code: "valid", message: "证书真实有效" });
    expect(r.status).to.deep.include({ state: "valid", source: "status_list" });
    expect(r.warnings).to.have.length(1);
    expect(r.warningCodes).to.deep.equal(["status_list_stale"]);
    // Generated 2026-05-31T21:00Z: 6月1日 05:00 in China, 5月31日 17:00 in New York.
    expect(r.warnings[0]).to.contain("状态截至 2026年6月1日 05:00:00");
    expect(r.warnings[0]).to.match(/注销|吊销/);
    expect(verify(status, OTHER_NODE_TIME_ZONE).warnings[0]).to.contain("状态截至 2026年5月31日 17:00:00");
  });

  it("when the list is within its ttl, then no warning is added", () => {
    const r = verify(statusList(new Date(NOW.getTime() - 4 * MINUTE)));
    expect(r).to.deep.include({ ok: true, code: "valid", warnings: [], warningCodes: [] });
  });

  it("when a quiet province's list is past its ttl by its push interval and the hub copy's cache (6 minutes old), then it is not stale", () => {
    expect(verify(statusList(new Date(NOW.getTime() - 6 * MINUTE))).warningCodes).to.deep.equal([]);
  });

  it("when the list is exactly the hub copy's lag bound old (15 minutes), then it is not yet stale; a second later it is", () => {
    expect(verify(statusList(new Date(NOW.getTime() - 15 * MINUTE))).warningCodes).to.deep.equal([]);
    expect(verify(statusList(new Date(NOW.getTime() - 15 * MINUTE - 1000))).warningCodes).to.deep.equal([
      "status_list_stale",
    ]);
  });

  it("when a stale list says revoked, then the verdict is still status_not_valid, with the warning", () => {
    const r = verify(statusList(new Date(NOW.getTime() - 60 * MINUTE), "revoked"));
    expect(r).to.deep.include({ ok: false, authentic: true, code: "status_not_valid" });
    expect(r.warningCodes).to.deep.equal(["status_list_stale"]);
  });

  it("when the list has expired or is missing, then each warning carries its own code", () => {
    const expired = verify(statusList(new Date(NOW.getTime() - 25 * 60 * MINUTE)));
    expect(expired.warningCodes).to.deep.equal(["status_list_expired"]);
    const missing = offline.verify(null, NODE_TIME_ZONE);
    expect(missing.warningCodes).to.deep.equal(["status_list_missing"]);
    expect(missing.warnings).to.have.length(1);
  });
});
