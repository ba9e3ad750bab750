import { expect } from "chai";
import { certificateTag, selectRefusal } from "../../../client/src/features/sharing/lookup-rows.js";
import { aMatch } from "../../helpers/practitioner-views.js";

describe("sharing: a lookup's rows as the officer reads them (client)", () => {
  it("when a valid certificate's validTo is before today, then it reads 已过期, not the green 有效", () => {
    expect(certificateTag(aMatch({ validTo: "2026-12-06" }), "2026-12-07")).to.deep.equal({
      label: "已过期",
      type: "warning",
    });
    expect(certificateTag(aMatch({ validTo: "2026-12-07" }), "2026-12-07")).to.deep.equal({
      label: "有效",
      type: "success",
    });
    expect(certificateTag(aMatch({ certificateStatus: "revoked" }), "2026-12-07")).to.deep.equal({
      label: "吊销",
      type: "danger",
    });
    expect(
      certificateTag(aMatch({ certificateStatus: null, certificateNumber: null }), "2026-12-07"),
    ).to.deep.equal({ label: "未发证", type: "info" });
  });

  it("when the hub would refuse a filing or transfer of the row, then 选择 is disabled with the reason; a notice may still choose it", () => {
    const today = "2026-12-07";
    expect(selectRefusal(aMatch(), { kind: "filing", ownProvince: "110000", today })).to.equal(null);
    expect(
      selectRefusal(aMatch({ certificateStatus: "cancelled" }), {
        kind: "filing",
        ownProvince: "110000",
        today,
      }),
    ).to.match(/注销/);
    expect(
      selectRefusal(aMatch({ certificateStatus: null, certificateNumber: null }), {
        kind: "transfer",
        ownProvince: "110000",
        today,
      }),
    ).to.match(/未发证|尚未取得/);
    expect(
      selectRefusal(aMatch({ validTo: "2026-12-01" }), { kind: "filing", ownProvince: "110000", today }),
    ).to.match(/过期/);
    expect(selectRefusal(aMatch(), { kind: "filing", ownProvince: "320000", today })).to.match(/本省/);
    expect(selectRefusal(aMatch(), { kind: "notice", ownProvince: "320000", today })).to.match(/本省/);
    expect(
      selectRefusal(aMatch({ certificateStatus: "cancelled" }), {
        kind: "notice",
        ownProvince: "110000",
        today,
      }),
    ).to.equal(null);
  });
});
