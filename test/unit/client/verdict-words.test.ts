import { expect } from "chai";
import { VERDICT_WORDS, statusListStale } from "../../../client/src/features/certificates/verdict-words.js";
import { VerificationCode } from "../../../server/contracts/certificate-trust.js";

const CJK = /[\u4e00-\u9fff]/;

describe("what the verification page says each verdict means (client)", () => {
  it("when the server can answer a code, then the page has a Chinese explanation for it that names no code", () => {
    for (const code of VerificationCode.options) {
      const words = VERDICT_WORDS[code];
      expect(words, code).to.be.a("string").and.match(CJK);
      expect(words, code).not.to.match(/[a-z]+_[a-z_]+/);
    }
    expect(Object.keys(VERDICT_WORDS).sort()).to.deep.equal([...VerificationCode.options].sort());
  });

  it("when the certificate is unknown to its issuing province, then the explanation says the province has no record of it, not that the signature failed", () => {
    expect(VERDICT_WORDS.unknown_certificate).to.include("签发记录").and.not.include("签名无效");
  });

  it("when a verdict carries the stale-status-list warning, then the status row says the list was not refreshed in time", () => {
    expect(statusListStale({ warningCodes: ["status_list_stale"] })).to.equal(true);
    expect(statusListStale({ warningCodes: ["demo_trust_list"] })).to.equal(false);
    expect(statusListStale({ warningCodes: [] })).to.equal(false);
  });
});
