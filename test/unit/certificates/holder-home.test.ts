import { expect } from "chai";
import { holderHomeRefusal, type HolderHomePort } from "../../../server/certificates/holder-home.js";
import { AppError } from "../../../server/lib/errors.js";

const ask = {
  idNumber: "320102199001011238",
  asker: { id: "system", kind: "system" as const, name: "系统" },
  divisionCode: "110100",
  caseReference: "发证前核验:65f0c0ffee0000000000abcd",
};
const opts = {
  provinceCode: "110000",
  authorityOf: (code: string) => `${code === "320000" ? "江苏省" : code}道路运输管理机构`,
};
/** A hub whose pointer index answers `home` (or throws `fails`). */
const aHub = (home: string | null, fails?: Error): HolderHomePort => ({
  homeOf: () => (fails === undefined ? Promise.resolve(home) : Promise.reject(fails)),
});

describe("certificates: the hub's home of a holder before a first issue", () => {
  it("when the hub homes the holder in another province, then the issue is refused holder_home_elsewhere naming that province's authority and the two ways on (transfer, or filing and rejecting)", async () => {
    const refusal = await holderHomeRefusal(aHub("320000"), ask, opts);
    expect(refusal).to.include({ code: "holder_home_elsewhere", status: 409 });
    expect(refusal?.details).to.deep.equal({ homeProvince: "320000" });
    expect(refusal?.message)
      .to.contain("江苏省道路运输管理机构")
      .and.contain("跨省交换办理转籍")
      .and.contain("本记录保留待发")
      .and.contain("异地从业备案")
      .and.contain("驳回本记录");
  });

  it("when the hub knows nobody under the ID number, or homes the holder here, then nothing is refused", async () => {
    expect(await holderHomeRefusal(aHub(null), ask, opts)).to.equal(null);
    expect(await holderHomeRefusal(aHub("110000"), ask, opts)).to.equal(null);
  });

  it("when the hub does not answer, then the issue is refused holder_home_unknown with the hub's code, to be tried again", async () => {
    const refusal = await holderHomeRefusal(
      aHub(null, new AppError("hub_unreachable", 502, "无法连接全国中心，请稍后重试")),
      ask,
      opts,
    );
    expect(refusal).to.include({ code: "holder_home_unknown", status: 409 });
    expect(refusal?.details).to.deep.equal({ hubCode: "hub_unreachable" });
    expect(refusal?.message).to.contain("请稍后再试").and.contain("本记录保留待发");
    const unexpected = await holderHomeRefusal(aHub(null, new Error("boom")), ask, opts);
    expect(unexpected?.details).to.deep.equal({ hubCode: null });
  });
});
