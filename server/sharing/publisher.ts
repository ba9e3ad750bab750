import { randomUUID } from "node:crypto";
import type { Connection } from "mongoose";
import { CollectionReceipt, type QualificationRecord, type RejectReason } from "../contracts/hub.js";
import type { DomainEventName, DomainEvents } from "../contracts/domain-events.js";
import type { Logger } from "../lib/logger.js";
import { createOutboxConsumer, type Delivery, type OutboxConsumerOptions, type OutboxEntry } from "../lib/outbox.js";
import { retryAfterSecondsOf } from "../lib/errors.js";
import { HOLD_REASONS } from "../lib/queue-hold.js";
import {
  clockRefusedAtPeer,
  notRegisteredAtPeer,
  suspendedAtPeer,
  unsignedClockRefusal,
  unverifiedRefusal,
  type NodeClient,
} from "./node-client.js";
import { sharingModels } from "./outbound.model.js";
import { hubAnswerCode, SEND_WORDS, sendFailure } from "./send-words.js";
import { certificateRecord, passRecord, voidedPassRecord } from "./record-mapper.js";

/** The domain events the hub is told of, each as a collection-interface record. */
/** Answers of a hub that is away or busy, not failing on the batch: waited for, uncounted. */
const WAIT_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

export const PUBLISHED_EVENTS = [
  "exam.passed",
  "exam.voided",
  "certificate.issued",
  "certificate.status_changed",
  "register.entry_cancelled",
] as const satisfies readonly DomainEventName[];

/** The collection record of an outbox entry, or why there is none. */
export function recordOf(entry: Pick<OutboxEntry, "name" | "payload">): QualificationRecord {
  switch (entry.name) {
    case "exam.passed":
      return passRecord(entry.payload as DomainEvents["exam.passed"]);
    case "exam.voided":
      return voidedPassRecord(entry.payload as DomainEvents["exam.voided"]);
    case "certificate.issued":
    case "certificate.status_changed":
      return certificateRecord(entry.payload as DomainEvents["certificate.issued"]);
    case "register.entry_cancelled":
      return (entry.payload as DomainEvents["register.entry_cancelled"]).record;
    default:
      throw new Error(`event ${entry.name} is not published to the hub`);
  }
}

/**
 * What the delivery queue (上报队列) shows a province officer for each outcome, in Chinese (the
 * entry's state beside it says whether it is tried again or parked); a machine code in
 * parentheses only where it tells the operator what to ask the hub about. The raw error (a system
 * message, in English) goes to the log, never here. The transport's words are shared with the
 * exchange's queue (send-words.ts).
 */
export const QUEUE_WORDS = {
  hubNotConfigured: SEND_WORDS.hubNotConfigured("记录"),
  notMappable: "该事件无法转换为上报记录",
  notSent: "本批未发出",
  unreachable: SEND_WORDS.unreachable,
  unverified: SEND_WORDS.unverified,
  malformed: SEND_WORDS.malformed,
  sendFailed: SEND_WORDS.sendFailed,
  refused: (status: number, code: string | undefined) => `全国中心拒收本批记录 (${hubAnswerCode(status, code)})`,
  away: (status: number, code: string | undefined) =>
    `全国中心暂时无法接收 (${hubAnswerCode(status, code)})，记录在本地等待`,
  /** A signed 401 clock_skew or signature_expired: this node's clock, not the records. */
  clock: (code: string | undefined) =>
    `全国中心按时间拒收本批记录 (401 ${code ?? "clock_skew"})，请检查本节点服务器的时钟（时间同步），记录在本地等待`,
  /** A 401 the hub did not sign (a request changed on the way, or a key it does not know). */
  unsignedRefusal: (code: string | null) =>
    `全国中心的拒收应答未经签名，无法确认 (${hubAnswerCode(401, code)})，记录在本地等待`,
  notAReceipt: "全国中心的回执不符合接口规范",
  noResult: "全国中心的回执缺少本条记录的结果",
  rejected: "全国中心拒收该记录，见拒收原因",
  conflict: "全国中心并发写入冲突 (conflict_retry)",
  failedHere: "本节点处理全国中心的回执时出错",
} as const;

/**
 * Reasons that are the hub's own passing trouble, not a judgement of the record: sent again after
 * the backoff like an outage. Parked, a write race at the hub (two provinces creating the same
 * practitioner at once) held that person's records until an officer noticed.
 */
const HUB_RETRY_REASONS = new Set(["conflict_retry"]);

/** What the publisher keeps of the hub's answer to one record (shown on the delivery queue). */
export interface HubDeliveryResult {
  recordId: string;
  outcome: string | null;
  reasons: RejectReason[];
  hubSeq: number | null;
  receiptId: string | null;
}

export interface PublisherOptions
  extends Pick<OutboxConsumerOptions, "instanceId" | "batchSize" | "leaseMs" | "pollMs" | "maxAttempts" | "backoffMs" | "holdMs" | "now"> {
  conn: Connection;
  logger: Logger;
  /** The signed client to the hub; null while the hub is not configured (records wait, uncounted). */
  client: () => NodeClient | null;
}

/**
 * Publishes outbox entries to the hub's collection interface: one more consumer of the outbox
 * (`deliveries.hub`), so it shares the dispatcher's claims, leases, backoff with jitter and failure
 * parking. Several instances are safe; a killed instance's batch is re-sent after its lease and the
 * hub answers `duplicate` (no second effect). Each hub record's entries (its versions) go in order,
 * one per batch; records go independently of each other, and a parked one holds none back (see
 * outbox-subjects.ts). Only the hub's judgement parks an entry: a record it rejects is parked at
 * once with its reasons (except its own write races, conflict_retry, sent again), and a refusal
 * of the whole batch (4xx) counts toward maxAttempts. A hub that is away (not configured,
 * unreachable, 5xx but 500, 429), a refusal for this node's clock (401 clock_skew,
 * signature_expired) and a 401 nobody signed are waited for uncounted: the queue pauses and parks nothing, however long
 * the outage. The signed receipt of every batch is kept.
 */
export function createPublisher(options: PublisherOptions) {
  const m = sharingModels(options.conn);

  async function deliver(entries: OutboxEntry[]): Promise<Delivery[]> {
    const client = options.client();
    if (!client) return entries.map(() => ({ kind: "hold", reason: QUEUE_WORDS.hubNotConfigured, cause: "unconfigured" }));
    const records: (QualificationRecord | null)[] = entries.map((e) => {
      try {
        return recordOf(e);
      } catch {
        return null;
      }
    });
    const sendable = records.flatMap((r, i) => (r ? [{ record: r, entryIndex: i }] : []));
    const outcomes: Delivery[] = records.map((r) =>
      r ? { kind: "retry", error: QUEUE_WORDS.notSent } : { kind: "failed", error: QUEUE_WORDS.notMappable },
    );
    if (sendable.length === 0) return outcomes;
    const batchId = randomUUID();
    let answer;
    try {
      answer = await client.call("POST", "/api/hub/v1/collection/records", { batchId, records: sendable.map((s) => s.record) });
    } catch (err) {
      // No answer the hub signed (unreachable, or a proxy's page in its place): the hub said
      // nothing of the records, so they wait uncounted (the pause logs it, see queue-hold.ts).
      // Counted, an outage of about 37 minutes parked every person's next record for good.
      options.logger.debug({ err, batchId, count: sendable.length }, "hub publish failed; holding");
      // An unsigned 401 is no word of the hub's either (it signs only answers to requests whose
      // signature it verified): it waits too. Claiming unknown_key, it is the expected answer to a
      // node not registered yet, and says so; anything it claims can only make records wait.
      // The hub judges a signature's time before the signature itself, so its clock refusals come
      // unsigned too: only their words send the operator to the clock (nothing counts either way).
      const unsigned = unverifiedRefusal(err);
      const clock = unsignedClockRefusal(err);
      const hold: Delivery =
        unsigned?.code === "unknown_key"
          ? { kind: "hold", reason: HOLD_REASONS.unknownKey("记录"), cause: "unregistered" }
          : clock
            ? { kind: "hold", reason: QUEUE_WORDS.clock(clock), cause: "clock" }
          : unsigned
            ? { kind: "hold", reason: QUEUE_WORDS.unsignedRefusal(unsigned.code), cause: "unavailable" }
            : { kind: "hold", reason: sendFailure(err), cause: "unavailable" };
      for (const s of sendable) outcomes[s.entryIndex] = hold;
      return outcomes;
    }
    // Signed by the hub (the answer was verified against its pinned key): it does not know this
    // node's key yet, or its operator suspended the node. Records wait uncounted until the node is
    // registered or active again: counted, a suspension of more than about 37 minutes on average
    // (maxAttempts at the capped, jittered backoff) parked every record and the hub never learned of
    // those certificates. A hub that is down or busy (502, 503, 504, 429) waits the same way, at least
    // as long as it asked (Retry-After). A 500 is the hub failing on what was sent, perhaps one record
    // every time: counted, so it parks rather than pausing every record for good. Any other signed refusal (a batch it finds
    // malformed, a nonce it saw under another signature) is a failure and says so; the hub signs
    // no refusal of a request it could not verify (see the catch above).
    const held = notRegisteredAtPeer(answer) ? HOLD_REASONS.unknownKey("记录") : suspendedAtPeer(answer) ? HOLD_REASONS.suspended("记录") : null;
    if (held) {
      for (const s of sendable) outcomes[s.entryIndex] = { kind: "hold", reason: held };
      return outcomes;
    }
    // This node's clock is off from the hub's by more than its skew: every batch would be refused
    // alike, so records wait uncounted (counted, they parked after maxAttempts) and the reason
    // sends the operator to the clock.
    if (clockRefusedAtPeer(answer)) {
      const reason = QUEUE_WORDS.clock(answer.error?.code);
      for (const s of sendable) outcomes[s.entryIndex] = { kind: "hold", reason, cause: "clock" };
      return outcomes;
    }
    if (WAIT_STATUSES.has(answer.status)) {
      const seconds = retryAfterSecondsOf(answer.status, answer.error?.details) ?? answer.retryAfterSeconds ?? null;
      const reason = QUEUE_WORDS.away(answer.status, answer.error?.code);
      for (const s of sendable)
        outcomes[s.entryIndex] = { kind: "hold", reason, cause: "unavailable", ...(seconds ? { retryAfterMs: seconds * 1000 } : {}) };
      return outcomes;
    }
    if (answer.status !== 200) {
      for (const s of sendable)
        outcomes[s.entryIndex] = { kind: "retry", error: QUEUE_WORDS.refused(answer.status, answer.error?.code) };
      return outcomes;
    }
    const parsed = CollectionReceipt.safeParse(answer.body);
    if (!parsed.success) {
      for (const s of sendable) outcomes[s.entryIndex] = { kind: "retry", error: QUEUE_WORDS.notAReceipt };
      return outcomes;
    }
    const receipt = parsed.data;
    await m.Receipts.create({ receiptId: receipt.receiptId, batchId, rawBody: answer.rawBody, ...answer.proof, receivedAt: new Date() });
    for (const [index, s] of sendable.entries()) {
      const r = receipt.results.find((x) => x.index === index);
      if (!r) {
        outcomes[s.entryIndex] = { kind: "retry", error: QUEUE_WORDS.noResult };
        continue;
      }
      const result: HubDeliveryResult = { recordId: s.record.recordId, outcome: r.outcome, reasons: r.reasons, hubSeq: r.hubSeq, receiptId: receipt.receiptId };
      const hubsOwn = r.outcome === "rejected" && r.reasons.length > 0 && r.reasons.every((x) => HUB_RETRY_REASONS.has(x.code));
      outcomes[s.entryIndex] = hubsOwn
        ? { kind: "retry", error: QUEUE_WORDS.conflict }
        : r.outcome === "rejected"
          ? { kind: "failed", error: QUEUE_WORDS.rejected, result: { ...result } }
          : { kind: "done", result: { ...result } };
    }
    return outcomes;
  }

  return createOutboxConsumer({
    conn: options.conn,
    logger: options.logger,
    instanceId: options.instanceId,
    leaseMs: options.leaseMs,
    backoffMs: options.backoffMs,
    holdMs: options.holdMs,
    now: options.now,
    // Counted only for refusals of the whole batch (4xx but 429) and answers that are no receipt:
    // 24 attempts at the backoff (capped at 5 min, full jitter) span up to about 74 minutes, about
    // 37 on average, before parking. An outage is not counted at all (see deliver).
    maxAttempts: options.maxAttempts ?? 24,
    batchSize: options.batchSize ?? 100,
    pollMs: options.pollMs ?? 1000,
    name: "hub",
    events: PUBLISHED_EVENTS,
    inOrderPerSubject: true,
    // Its own failures too get the queue's words (a failed write of the receipt, say): the
    // consumer would store the error's English text, and the re-send is answered `duplicate`.
    deliver: (entries) =>
      deliver(entries).catch((err: unknown) => {
        options.logger.error({ err, count: entries.length }, "hub publish failed on this node; retrying");
        return entries.map((): Delivery => ({ kind: "retry", error: QUEUE_WORDS.failedHere }));
      }),
  });
}
export type Publisher = ReturnType<typeof createPublisher>;
