import { expect } from "chai";
import { messageCodeLabel, messageOperation } from "../../../client/src/features/hub/message-labels.js";

describe("hub message log operation names (client)", () => {
  it("when a poll of the inbox is logged with its query string, then it is named as the exchange inbox poll", () => {
    expect(messageOperation("GET", "/api/hub/v1/exchange/inbox?after=4&limit=200&wait=10000")).to.equal(
      "跨省交换 · 拉取收件箱（轮询）",
    );
  });

  it("when a case's answer is logged, then the case id does not stop it being named", () => {
    expect(
      messageOperation("POST", "/api/hub/v1/exchange/cases/476801be-463d-4df4-b128-cde0133a2f00/answer"),
    ).to.equal("跨省交换 · 所属省份答复");
  });

  it("when a case's end is logged, then it is not named as ending a filing, since a transfer's withdrawal uses it too", () => {
    const label = messageOperation("POST", "/api/hub/v1/exchange/cases/476801be-463d-4df4-b128-cde0133a2f00/end");
    expect(label).to.equal("跨省交换 · 结束案件（终止备案或撤回转籍）");
  });

  it("when the method does not fit the path, or the path is unknown or outside the interfaces, then no name is guessed", () => {
    expect(messageOperation("GET", "/api/hub/v1/collection/records")).to.equal(null);
    expect(messageOperation("POST", "/api/hub/v1/exchange/cases/x/unknown")).to.equal(null);
    expect(messageOperation("POST", "/api/hub/v2/collection/records")).to.equal(null);
    expect(messageOperation("POST", "/collection/records")).to.equal(null);
  });

  it("when a message was refused with an error code, then the operator reads why in Chinese; an unknown code is 其他错误", () => {
    expect(messageCodeLabel("signature_invalid")).to.equal("签名验证失败");
    expect(messageCodeLabel("nonce_reused")).to.equal("请求标识已被其他消息使用");
    expect(messageCodeLabel("something_new")).to.equal("其他错误");
  });

  it("when the hub refused an exchange message, then each refusal code the exchange raises reads in Chinese, never 其他错误", () => {
    const codes = [
      "lookup_mismatch", "lookup_required", "already_filed", "transfer_open", "own_practitioner", "case_ended",
      "not_case_recipient", "not_case_sender", "office_division_invalid", "identity_mismatch", "practitioner_unknown",
      "no_certificate", "certificate_not_valid", "certificate_expired", "case_not_found", "case_conflict",
      "case_busy", "already_answered", "already_issued", "not_a_transfer", "transfer_not_accepted",
      "transfer_not_issued", "not_endable", "home_moved", "no_valid_certificate", "certificate_not_expected",
      "source_ended_reported", "document_pending", "document_not_in_case", "document_empty", "document_too_large",
      "document_type_unsupported", "document_digest_mismatch", "future_date", "invalid_date",
    ];
    for (const code of codes) expect(messageCodeLabel(code), code).to.not.equal("其他错误");
  });
});
