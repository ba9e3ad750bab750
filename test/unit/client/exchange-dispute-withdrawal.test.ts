import { expect } from "chai";
import type { CaseDto, CaseState, ExchangeKind } from "../../../server/contracts/exchange.js";
import { canWithdrawDispute } from "../../../client/src/features/exchange/case-actions.js";
import { messageCodeLabel, messageOperation } from "../../../client/src/features/hub/message-labels.js";

/**
 * 撤回异议: the case page offers the home province the taking back of its dispute exactly where the
 * node takes it (province-follow-ups.ts notWithdrawable): a received notice standing disputed by
 * this province's answer. The hub's message log names the new request and its refusals.
 */
describe("client: the home province takes back its dispute of a notice", () => {
  const disputed: CaseDto["ack"] = {
    outcome: "problem",
    problem: { code: "other", note: "处罚决定书文号与事实不符" },
    officer: "江苏省厅业务员",
    at: "2026-12-01T00:00:00.000Z",
  };
  const aCase = (kind: ExchangeKind, state: CaseState, over: Partial<CaseDto> = {}) =>
    ({ box: "in", kind, state, ack: state === "problem" ? disputed : null, ...over }) as CaseDto;
  const states: CaseState[] = ["queued", "sent", "delivered", "acknowledged", "problem", "ended", "refused"];
  const offered = (kind: ExchangeKind, over: Partial<CaseDto> = {}) =>
    states.filter((s) => canWithdrawDispute(aCase(kind, s, over)));

  it("when a received notice stands disputed by this province, then taking the dispute back is offered, and in no other state", () => {
    expect(offered("notice")).to.deep.equal(["problem"]);
  });

  it("when the case is a filing or a transfer, or was sent by this province, or its answer is not a dispute, then nothing is offered", () => {
    expect(offered("filing")).to.deep.equal([]);
    expect(offered("transfer")).to.deep.equal([]);
    expect(offered("notice", { box: "out" })).to.deep.equal([]);
    expect(offered("notice", { ack: null })).to.deep.equal([]);
    expect(offered("notice", { ack: { ...disputed, outcome: "acknowledged", problem: null } })).to.deep.equal(
      [],
    );
  });

  it("when the hub logs a dispute's taking back, or refuses one, then the operator reads it in Chinese", () => {
    expect(
      messageOperation(
        "POST",
        "/api/hub/v1/exchange/cases/476801be-463d-4df4-b128-cde0133a2f00/dispute-withdrawal",
      ),
    ).to.equal("跨省交换 · 所属省份撤回异议");
    expect(messageCodeLabel("not_disputed")).to.equal("抄告当前没有异议");
    expect(messageCodeLabel("not_a_notice")).to.equal("该事项不是抄告");
  });
});
