import { expect } from "chai";
import type { CaseDto, CaseState, ExchangeKind } from "../../../server/contracts/exchange.js";
import { canEndCase, END_WORDS } from "../../../client/src/features/exchange/case-actions.js";

/**
 * The case page offers an ending exactly where the server takes one (province-follow-ups.ts
 * notEndable, the hub's `end`): a filing in any open state, a transfer not yet issued on, a notice
 * only once its home province disputed it (撤回抄告).
 */
describe("client: the exchange case page's ending", () => {
  const aCase = (kind: ExchangeKind, state: CaseState, over: Partial<CaseDto> = {}) =>
    ({ box: "out", kind, state, issued: null, ...over }) as CaseDto;
  const states: CaseState[] = ["queued", "sent", "delivered", "acknowledged", "problem", "ended", "refused"];
  const offered = (kind: ExchangeKind, over: Partial<CaseDto> = {}) =>
    states.filter((s) => canEndCase(aCase(kind, s, over)));

  it("when a notice is disputed, then its sender is offered its withdrawal, and in no other state", () => {
    expect(offered("notice")).to.deep.equal(["problem"]);
    expect(END_WORDS.notice.action).to.equal("撤回抄告");
  });

  it("when a filing is open, disputed too, then its sender is offered its ending; a transfer until issued on", () => {
    expect(offered("filing")).to.deep.equal(["queued", "sent", "delivered", "acknowledged", "problem"]);
    expect(offered("transfer")).to.deep.equal(["queued", "sent", "delivered", "acknowledged", "problem"]);
    const issued = {
      certificateNo: "x",
      serial: "s",
      issuedAt: "2026-12-01T00:00:00.000Z",
      issuingAuthority: "a",
    };
    expect(offered("transfer", { issued })).to.deep.equal([]);
  });

  it("when the case was received, then no ending is offered whatever its state", () => {
    for (const kind of ["filing", "transfer", "notice"] as const)
      expect(offered(kind, { box: "in" })).to.deep.equal([]);
  });
});
