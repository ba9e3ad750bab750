import { randomUUID } from "node:crypto";
import type { Connection } from "mongoose";
import type { CollectionReceipt, QualificationRecord } from "../contracts/hub.js";
import type { Logger } from "../lib/logger.js";
import { TransportError, type NodeClient } from "./node-client.js";
import { sharingModels, type OutboundDoc } from "./outbound.model.js";

export interface PublisherOptions {
  conn: Connection;
  logger: Logger;
  /** The signed client to the hub; null while the hub is not configured (records wait). */
  client: () => NodeClient | null;
  instanceId?: string;
  batchSize?: number;
  /** A claim older than this belongs to a dead instance and is claimed again. */
  leaseMs?: number;
  pollMs?: number;
  /** Transport failures before an entry is dead-lettered. */
  maxAttempts?: number;
  /** Delay before attempt n+1 (full jitter is applied on top). */
  backoffMs?: (attempt: number) => number;
}

type Entry = OutboundDoc & { _id: unknown };

/**
 * Sends queued records to the hub's collection interface. Safe with several instances: each entry
 * is claimed with one atomic update and a lease; an instance killed mid-publish leaves a lease
 * that expires, and the re-send is answered `duplicate` by the hub (no second effect). Order per
 * practitioner: an entry is sent only when every earlier entry of the same ID number is done (a
 * dead one holds the later ones back until retried). Transport failures back off exponentially with
 * full jitter; records the hub rejects are dead-lettered at once with its reasons.
 */
export function createPublisher(options: PublisherOptions) {
  const m = sharingModels(options.conn);
  const instanceId = options.instanceId ?? randomUUID();
  const batchSize = options.batchSize ?? 100;
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 1000;
  const maxAttempts = options.maxAttempts ?? 12;
  const backoff = options.backoffMs ?? ((n: number) => Math.min(300_000, 1000 * 2 ** (n - 1)));
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;
  let stopped = true;
  // Set by stop(): the batch in flight finishes, no new one starts.
  let halting = false;

  async function nextSeq(): Promise<number> {
    const c = await m.Counters.findOneAndUpdate({ _id: "outbound" }, { $inc: { value: 1 } }, { upsert: true, returnDocument: "after" }).lean();
    if (!c) throw new Error("outbound counter missing");
    return c.value;
  }

  async function claimBatch(): Promise<Entry[]> {
    const now = new Date();
    const due = { $or: [{ status: "pending" as const, availableAt: { $lte: now } }, { status: "sending" as const, leaseUntil: { $lt: now } }] };
    const candidates = await m.Outbound.find(due, { _id: 1, idNumber: 1, seq: 1 }).sort({ seq: 1 }).limit(batchSize * 3).lean();
    const claimed: Entry[] = [];
    const people = new Set<string>();
    for (const c of candidates) {
      if (claimed.length >= batchSize) break;
      if (people.has(c.idNumber)) continue;
      people.add(c.idNumber);
      const earlier = await m.Outbound.exists({ idNumber: c.idNumber, seq: { $lt: c.seq }, status: { $ne: "done" } });
      if (earlier) continue;
      const entry = await m.Outbound.findOneAndUpdate(
        { _id: c._id, ...due },
        { $set: { status: "sending", leaseOwner: instanceId, leaseUntil: new Date(now.getTime() + leaseMs) }, $inc: { attempts: 1 } },
        { returnDocument: "after" },
      ).lean<Entry>();
      if (entry) claimed.push(entry);
    }
    return claimed;
  }

  const mine = (e: Entry) => ({ _id: e._id, status: "sending" as const, leaseOwner: instanceId });

  async function backOff(entries: Entry[], error: string): Promise<void> {
    for (const e of entries) {
      const attempts = e.attempts ?? 1;
      const dead = attempts >= maxAttempts;
      // Full jitter: instances and provinces that failed together do not retry together.
      const delay = Math.round(Math.random() * backoff(attempts));
      await m.Outbound.updateOne(mine(e), {
        $set: {
          status: dead ? "dead" : "pending", availableAt: new Date(Date.now() + delay), lastError: error,
          leaseOwner: null, leaseUntil: null,
          ...(dead ? { reasons: [{ code: "undeliverable", field: null, message: `${attempts} 次发送均失败：${error}` }] } : {}),
        },
      });
    }
  }

  /** Sends one batch; false when the hub could not be reached or refused the whole batch. */
  async function sendBatch(entries: Entry[], client: NodeClient): Promise<boolean> {
    const batchId = randomUUID();
    let answer;
    try {
      answer = await client.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
        batchId,
        records: entries.map((e) => e.record as QualificationRecord),
      });
    } catch (err) {
      const reason = err instanceof TransportError ? `${err.code}: ${err.message}` : String(err);
      options.logger.warn({ err, batchId, count: entries.length }, "hub publish failed; backing off");
      await backOff(entries, reason);
      return false;
    }
    if (answer.status !== 200) {
      const code = (answer.body as unknown as { error?: { code?: string } }).error?.code ?? `http_${answer.status}`;
      await backOff(entries, `hub answered ${answer.status} ${code}`);
      return false;
    }
    const receipt = answer.body;
    await m.Receipts.create({
      receiptId: receipt.receiptId, batchId, rawBody: answer.rawBody, ...answer.proof, receivedAt: new Date(),
    });
    for (const [index, e] of entries.entries()) {
      const result = receipt.results.find((r) => r.index === index);
      if (!result) {
        await backOff([e], "receipt has no result for this record");
        continue;
      }
      const rejected = result.outcome === "rejected";
      await m.Outbound.updateOne(mine(e), {
        $set: {
          status: rejected ? "dead" : "done", outcome: result.outcome, reasons: result.reasons, hubSeq: result.hubSeq,
          receiptId: receipt.receiptId, leaseOwner: null, leaseUntil: null, doneAt: rejected ? null : new Date(),
          lastError: rejected ? "hub rejected the record" : null,
        },
      });
    }
    return true;
  }

  async function drainOnce(): Promise<number> {
    const client = options.client();
    if (!client) return 0;
    let sent = 0;
    for (let batch = await claimBatch(); batch.length > 0; batch = await claimBatch()) {
      const delivered = await sendBatch(batch, client);
      sent += batch.length;
      // The hub is down or refusing: stop this pass rather than retry at once (backoff decides when).
      if (!delivered || halting) break;
    }
    return sent;
  }

  function tick(): void {
    if (stopped) return;
    running ??= drainOnce()
      .catch((err: unknown) => {
        options.logger.error({ err }, "hub publisher failed");
        return 0;
      })
      .finally(() => {
        running = null;
        if (!stopped) timer = setTimeout(tick, pollMs);
      });
  }

  return {
    instanceId,
    /** Queues a record once per key (a re-delivered domain event adds nothing). */
    async enqueue(key: string, record: QualificationRecord): Promise<void> {
      if (await m.Outbound.exists({ key })) return;
      try {
        await m.Outbound.create({
          key, seq: await nextSeq(), idNumber: record.practitioner.idNumber, recordId: record.recordId, record,
          status: "pending", availableAt: new Date(),
        });
      } catch (err) {
        if ((err as { code?: unknown }).code !== 11000) throw err;
      }
      this.kick();
    },
    drainOnce,
    /** Puts a dead-lettered entry back in the queue (officer's retry). */
    async retry(id: string): Promise<boolean> {
      const res = await m.Outbound.updateOne(
        { _id: id, status: "dead" },
        { $set: { status: "pending", attempts: 0, availableAt: new Date(), reasons: [], outcome: null } },
      );
      this.kick();
      return res.modifiedCount === 1;
    },
    async list(query: { status?: "pending" | "sending" | "done" | "dead"; limit: number }) {
      const filter = query.status ? { status: query.status } : {};
      return m.Outbound.find(filter).sort({ seq: -1 }).limit(query.limit).lean<Entry[]>();
    },
    kick(): void {
      if (stopped || running) return;
      if (timer) clearTimeout(timer);
      tick();
    },
    start(): void {
      if (!stopped) return;
      stopped = false;
      halting = false;
      tick();
    },
    async stop(): Promise<void> {
      stopped = true;
      halting = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
export type Publisher = ReturnType<typeof createPublisher>;
