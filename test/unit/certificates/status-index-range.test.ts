import { expect } from "chai";
import {
  buildStatusList,
  emptyStatusBits,
  loadStatusList,
  verifyQrText,
  type LoadedStatusList,
} from "../../../server/certificates/index.js";
import { NODE_TIME_ZONE } from "../../helpers/time-zone.js";
import { aProvinceKey, aTrustList, sealSample } from "./trust-fixtures.js";

const NOW = new Date("2026-06-01T00:00:00Z");

/**
 * An issuer's status list covers every index it hands out, so a signed status index past the end
 * of the province's current list is no certificate the province issued (a forged or malformed QR
 * signed with a leaked key, or an issuer's bug): the verdict says so, not that the list is missing.
 */
describe("offline verification of a status index past the end of the status list", () => {
  const key = aProvinceKey("ed25519", "320000");
  const { list } = aTrustList([key.entry], { now: NOW });

  /** A list of the province generated at `generatedAt` (by default now), valid a day. */
  function currentList(generatedAt = NOW): LoadedStatusList {
    const file = buildStatusList(
      { provinceCode: "320000", bits: emptyStatusBits(), now: generatedAt, validForSeconds: 86_400 },
      key.sealing,
    );
    const loaded = loadStatusList(file, list.body.keys);
    if (!loaded) throw new Error("test status list does not load");
    return loaded;
  }
  const verify = (qr: string, statusList?: LoadedStatusList) =>
    verifyQrText(
      qr,
      {
        lists: [list],
        ...(statusList ? { statusLists: new Map([["320000", statusList]]) } : {}),
        timeZone: NODE_TIME_ZONE,
      },
      NOW,
    );

  it("when the signed index is past the end of a current list, then the verdict is status_index_out_of_range, not valid and not status_list_missing", () => {
    const statusList = currentList();
    const entries = statusList.bits.length * 4; // 2 bits an entry
    const r = verify(sealSample(key.sealing, { statusIndex: entries + 10 }), statusList);
    expect(r).to.deep.include({ ok: false, authentic: false, code: "status_index_out_of_range" });
    expect(r.message).to.contain(String(entries + 10));
    expect(r.warningCodes).to.not.include("status_list_missing");
    expect(r.claims?.statusIndex).to.equal(entries + 10);
  });

  it("when the signed index is the list's last slot, then the certificate is valid", () => {
    const statusList = currentList();
    const r = verify(sealSample(key.sealing, { statusIndex: statusList.bits.length * 4 - 1 }), statusList);
    expect(r).to.deep.include({ ok: true, code: "valid" });
  });

  it("when the list was made before the certificate was issued (a capacity grown since), then the status is unknown with its own warning, not a forgery", () => {
    const statusList = currentList(new Date(NOW.getTime() - 3_600_000));
    const far = statusList.bits.length * 4 + 10;
    const r = verify(
      sealSample(key.sealing, { statusIndex: far, issuedAt: new Date(NOW.getTime() - 60_000).toISOString() }),
      statusList,
    );
    expect(r).to.deep.include({ ok: true, authentic: true, code: "valid" });
    expect(r.status).to.deep.include({ state: "unknown" });
    expect(r.warningCodes).to.deep.equal(["status_list_predates_certificate"]);
  });

  it("when the list was made a few minutes after the issue (within clock skew), then the status is unknown and the warning says the list may predate the issue, not that it does", () => {
    const issuedAt = new Date(NOW.getTime() - 3_600_000);
    const statusList = currentList(new Date(issuedAt.getTime() + 5 * 60_000));
    const r = verify(
      sealSample(key.sealing, {
        statusIndex: statusList.bits.length * 4 + 10,
        issuedAt: issuedAt.toISOString(),
      }),
      statusList,
    );
    expect(r).to.deep.include({ ok: true, authentic: true, code: "valid" });
    expect(r.status).to.deep.include({ state: "unknown" });
    expect(r.warningCodes).to.deep.equal(["status_list_predates_certificate"]);
    expect(r.warnings[0]).to.contain("可能早于本证书签发");
  });

  it("when there is no status list at all, then a far index is still only status_list_missing (nothing to compare it with)", () => {
    const r = verify(sealSample(key.sealing, { statusIndex: 10_000_000 }));
    expect(r).to.deep.include({ ok: true, code: "valid" });
    expect(r.warningCodes).to.deep.equal(["status_list_missing"]);
  });
});
