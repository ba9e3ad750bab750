import { expect } from "chai";
import { loadConfig } from "../../../server/config.js";

const province = { ROLE: "province", PROVINCE_CODE: "320000" };

/**
 * A deadline is the release plus the session's length: a release earlier than candidates may log
 * in spends their time before they can sit. The bound on early release may not exceed the login
 * window, and check-in opens with it.
 */
describe("exam delivery: the early-release bound in the configuration", () => {
  it("when EXAM_EARLY_RELEASE_MAX_MINUTES is beyond the login window, then boot fails naming it; within, it is used", () => {
    expect(() => loadConfig({ ...province, EXAM_EARLY_RELEASE_MAX_MINUTES: "31" })).to.throw(
      /- EXAM_EARLY_RELEASE_MAX_MINUTES:/,
    );
    expect(() => loadConfig({ ...province, EXAM_EARLY_RELEASE_MAX_MINUTES: "-1" })).to.throw(
      /- EXAM_EARLY_RELEASE_MAX_MINUTES:/,
    );
    expect(
      loadConfig({ ...province, EXAM_EARLY_RELEASE_MAX_MINUTES: "0" }).exam.earlyReleaseMaxMinutes,
    ).to.equal(0);
  });
});
