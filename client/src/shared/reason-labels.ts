import { REJECT_CODE_LABELS, type RejectCode } from "@contracts/hub.js";

/**
 * The Chinese name of a collection rejection reason (the hub operator's pages and the province's
 * queue to the hub read them alike), from the contract's one table; a code this build does not
 * know (a newer hub) is shown as itself, marked. `Object.hasOwn`: "constructor" is no code.
 */
export function reasonLabel(code: string): string {
  return Object.hasOwn(REJECT_CODE_LABELS, code) ? REJECT_CODE_LABELS[code as RejectCode] : `其他（${code}）`;
}
