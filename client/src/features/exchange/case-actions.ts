import { OPEN_CASE_STATES as OPEN, type CaseDto, type ExchangeKind } from "@contracts/exchange.js";

/**
 * Whether the sender may end the case now, by the server's rule (province-follow-ups.ts
 * notEndable, the hub's `end`): a filing in any open state, a disputed one too; a transfer not yet
 * issued on (withdrawn; an agreed one gives the person back); a notice only once its home province
 * disputed it (撤回抄告: the corrected penalty is then reported as a new notice).
 */
export function canEndCase(c: Pick<CaseDto, "box" | "kind" | "state" | "issued">): boolean {
  if (c.box !== "out") return false;
  if (c.kind === "notice") return c.state === "problem";
  if (c.kind === "transfer" && c.issued) return false;
  return OPEN.includes(c.state);
}

/**
 * Whether the home province may take back its dispute now (撤回异议), by the server's rule
 * (province-follow-ups.ts notWithdrawable, hub-case-dispute.ts): a received notice only, while it
 * stands disputed by this province's answer. Taken back, it is 已送达 and answered again.
 */
export function canWithdrawDispute(c: Pick<CaseDto, "box" | "kind" | "state" | "ack">): boolean {
  return c.box === "in" && c.kind === "notice" && c.state === "problem" && c.ack?.outcome === "problem";
}

/** How the ending is worded for each kind: the button, the date's label, the send button, an example reason. */
export const END_WORDS: Readonly<
  Record<ExchangeKind, { action: string; date: string; submit: string; example: string }>
> = {
  filing: {
    action: "终止备案",
    date: "终止日期",
    submit: "终止并告知所属省份",
    example: "如：与用人单位解除劳动合同",
  },
  transfer: {
    action: "撤回转籍",
    date: "撤回日期",
    submit: "撤回并告知原籍省份",
    example: "如：申请人撤回转籍申请",
  },
  notice: {
    action: "撤回抄告",
    date: "撤回日期",
    submit: "撤回并告知所属省份",
    example: "如：处罚决定书文号有误，更正后重新抄告",
  },
};
