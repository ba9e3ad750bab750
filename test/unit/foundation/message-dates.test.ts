import { expect } from "chai";
import { issueOnto, refuseRenewal } from "../../../server/certificates/lifecycle.js";
import { verifyQrText } from "../../../server/certificates/index.js";
import { NODE_TIME_ZONE } from "../../helpers/time-zone.js";
import { checkEndDate } from "../../../server/exchange/exchange-dates.js";
import { aProvinceKey, aTrustList, sealSample } from "../certificates/trust-fixtures.js";

/** A message's text, whether returned or thrown. */
function messageOf(run: () => unknown): string {
  try {
    const r = run() as { message?: string } | null | undefined;
    return r?.message ?? "";
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Server messages shown on a page beside the page's own dates write their calendar dates as the
 * page does (2032年9月7日, calendarDateText), never as 2032-09-07 beside 2032年9月7日.
 */
describe("calendar dates in the server's messages", () => {
  const iso = /\d{4}-\d{2}-\d{2}/;

  it("when a renewal is asked for too early, then the hint names the first day as 2032年9月7日", () => {
    const message = refuseRenewal("valid", "2032-12-06", "2026-12-07", 90)?.message ?? "";
    expect(message).to.equal("有效期届满前 90 日内方可换证（2032年9月7日 起）");
  });

  it("when a pass is issued onto a certificate past its end, then the refusal names the end as 2026年11月30日", () => {
    const r = issueOnto(
      { status: "valid", validTo: "2026-11-30", categoryCodes: ["01001"] },
      "02001",
      "2026-12-07",
    );
    expect(r.refusal?.message).to.include("证书已于 2026年11月30日 到期").and.not.match(iso);
  });

  it("when a filing is ended before it started, then the refusal names the start as 2026年11月20日", () => {
    const message = messageOf(() =>
      checkEndDate("2026-11-19", "2026-11-20", new Date("2026-12-07T00:00:00Z")),
    );
    expect(message).to.equal("终止日期早于备案的开始从业日期（2026年11月20日）");
  });

  it("when a QR is verified outside its validity, then the verdict names the day as the verify page writes dates", () => {
    const key = aProvinceKey("ed25519", "320000");
    const now = new Date("2026-06-01T00:00:00Z");
    const { list } = aTrustList([key.entry], { now });
    const expired = verifyQrText(
      sealSample(key.sealing, { validTo: "2026-05-30" }),
      { lists: [list], timeZone: NODE_TIME_ZONE },
      now,
    );
    expect(expired.message).to.equal("证书已于 2026年5月30日 到期");
    const early = verifyQrText(
      sealSample(key.sealing, { validFrom: "2026-06-03", validTo: "2032-06-02" }),
      { lists: [list], timeZone: NODE_TIME_ZONE },
      now,
    );
    expect(early.message).to.equal("证书自 2026年6月3日 起有效");
  });
});
