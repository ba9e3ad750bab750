import type { Logger } from "../lib/logger.js";
import { createRefusalBudget, type RefusalBudget, type RefusalBudgetOptions } from "../lib/refusal-budget.js";
import {
  createRefusalSummaries,
  type RefusalSummaries,
  type RefusalSummary,
} from "../lib/refusal-summary.js";
import type { MessageLog, MessageLogInput } from "./message-log.js";

/*
 * What every node gate in the process shares (node-gate.ts): the refusal budget of each message
 * log, and the rate limit's buckets. Shared so that the hub's and the exchange's gates, which both
 * receive from the same nodes, count one node's traffic once.
 */

/** The message-log entry summing up unsigned refusals the budget only counted. */
export function unsignedSummaryEntry(summary: RefusalSummary): MessageLogInput {
  return {
    direction: "in",
    peer: "unknown",
    keyId: null,
    nonce: null,
    method: "*",
    target: `未逐条记录的未认证请求 ${summary.count} 条，来自 ${summary.sources} 个来源`,
    requestDigest: null,
    requestSignature: null,
    status: null,
    responseDigest: null,
    responseSignature: null,
    outcome: "refused",
    code: "unauthenticated_not_logged",
  };
}

/**
 * One budget and one summary writer per message log in the process, shared by every gate writing
 * to it (hub and exchange).
 */
const budgets = new WeakMap<MessageLog, { budget: RefusalBudget; summaries: RefusalSummaries }>();
export function budgetFor(log: MessageLog, options: RefusalBudgetOptions, logger: Logger) {
  let entry = budgets.get(log);
  if (!entry) {
    const budget = createRefusalBudget(options);
    const write = (summary: RefusalSummary) => log.append(unsignedSummaryEntry(summary));
    entry = { budget, summaries: createRefusalSummaries({ budget, write, logger }) };
    budgets.set(log, entry);
  }
  return entry;
}

/**
 * The rate limit's buckets by (receiving key, sending key), one set per process: the hub's and the
 * exchange's gates share them (a bucket per gate doubled a node's limit). Per hub instance, as the
 * documents say; only verified senders reach it, so the registered keys bound its size.
 */
const rateBuckets = new Map<string, { tokens: number; at: number }>();

/**
 * Takes one of the node's tokens: 0 when there was one, else the whole seconds until the bucket
 * holds one again (at least 1), which the refusal tells the sender (RFC 9110 §10.2.3 Retry-After).
 */
export function takeToken(receiverKeyId: string, keyId: string, ratePerMinute: number): number {
  const t = Date.now();
  const perMs = ratePerMinute / 60_000;
  const id = `${receiverKeyId} ${keyId}`;
  const b = rateBuckets.get(id) ?? { tokens: ratePerMinute, at: t };
  b.tokens = Math.min(ratePerMinute, b.tokens + (t - b.at) * perMs);
  b.at = t;
  rateBuckets.set(id, b);
  if (b.tokens < 1) return Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
  b.tokens -= 1;
  return 0;
}
