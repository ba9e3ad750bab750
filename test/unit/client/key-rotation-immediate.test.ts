import { expect } from "chai";
import {
  IMMEDIATE_ROTATION_LABEL,
  immediateRotationNote,
  immediateRotationResult,
  rotateKeyBody,
} from "../../../client/src/features/certificates/key-rotation.js";

/**
 * 密钥已泄露，立即停用旧密钥 on the signing keys page: the request it sends (POST
 * /api/certificates/keys/rotate with `immediate: true`) and what the page says before and after.
 */
describe("the signing keys page's immediate rotation of a leaked certificate key", () => {
  it("when the admin asks for an immediate rotation, then the request names the key seen and sends immediate: true", () => {
    expect(rotateKeyBody("abcDEF_-123", "certificate", { immediate: true })).to.deep.equal({
      purpose: "certificate",
      expectKid: "abcDEF_-123",
      immediate: true,
    });
  });

  it("when the admin rotates as usual, then the request carries no immediate field, so the node's lead applies", () => {
    const body = rotateKeyBody("abcDEF_-123", "certificate");
    expect(body).to.deep.equal({ purpose: "certificate", expectKid: "abcDEF_-123" });
    expect(body).to.not.have.property("immediate");
    expect(rotateKeyBody("abcDEF_-123", "certificate", { immediate: false })).to.not.have.property(
      "immediate",
    );
  });

  it("when the trust-list key is rotated, then no immediate field is sent, since that key has no lead to skip", () => {
    expect(rotateKeyBody("abcDEF_-123", "trust-list", { immediate: true })).to.deep.equal({
      purpose: "trust-list",
      expectKid: "abcDEF_-123",
    });
  });

  it("when the option is shown, then it reads 密钥已泄露，立即停用旧密钥 and its note says the old key signs nothing more and new certificates wait for the hub", () => {
    expect(IMMEDIATE_ROTATION_LABEL).to.equal("密钥已泄露，立即停用旧密钥");
    const note = immediateRotationNote();
    expect(note)
      .to.include("旧密钥从此刻起停止签发")
      .and.include("不等待提前公告期")
      .and.include("待全国中心收录新密钥")
      .and.include("通常几秒钟")
      .and.include("仍可验证")
      .and.include("不能撤回");
    expect(note).to.not.match(/\d+ 小时/);
  });

  it("when the immediate rotation succeeded, then the result names the new key in use and every key it ended now", () => {
    const text = immediateRotationResult({ kid: "NEWkid00001", endedKids: ["OLDkid00001", "PENDkid0001"] });
    expect(text)
      .to.include("NEWkid00001")
      .and.include("已立即启用")
      .and.include("OLDkid00001、PENDkid0001")
      .and.include("已停止签发")
      .and.include("待全国中心收录新密钥");
    expect(immediateRotationResult({ kid: "NEWkid00001", endedKids: [] })).to.not.include("已停止签发");
  });
});
