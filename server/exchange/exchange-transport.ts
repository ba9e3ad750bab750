import type { ClientSession, Connection } from "mongoose";
import type { AuditLog } from "../audit/index.js";
import { CaseReceipt, InboxPage } from "../contracts/exchange.js";
import { LookupNoticesPage } from "../contracts/hub.js";
import { AppError } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import { dueNow } from "../lib/queue-due.js";
import { createHoldPause, HOLD_REASONS, type HoldCause } from "../lib/queue-hold.js";
import {
  clockRefusedAtPeer,
  hubAnswerCode,
  notRegisteredAtPeer,
  PeerRefusal,
  SEND_WORDS,
  sendFailure,
  suspendedAtPeer,
  unsignedClockRefusal,
  unverifiedRefusal,
  type NodeClient,
} from "../sharing/index.js";
import { createHubReads } from "./hub-reads.js";
import { applyInboxPage, type InboxHooks } from "./inbox-pull.js";
import { givesUp, settleDelivery, type Delivery, type OutgoingEntry as Entry } from "./outgoing-settle.js";
import { heldDocumentContent } from "./province-documents.js";
import { provinceExchangeModels } from "./province-exchange.models.js";

export type { Delivery } from "./outgoing-settle.js";

export interface TransportOptions extends InboxHooks {
  conn: Connection;
  logger: Logger;
  /** The signed client to the hub; null while no hub is configured (cases wait). */
  client: () => NodeClient | null;
  maxAttempts?: number;
  backoffMs?: (attempt: number) => number;
  /** After a `hold`, how long this instance sends nothing (see queue-hold.ts). */
  holdMs?: { first: number; max: number };
  /** This instance's clock, for the times written into case histories; never what decides that an entry is due (DUE). Injected by tests. */
  now?: () => Date;
  /**
   * Runs one transaction; the node passes its audit log's, since the inbox hooks (inbox-pull.ts)
   * and the settling of a final refusal append audit entries in it. Defaults to `audit`'s, else
   * the connection's.
   */
  transaction?: <T>(work: (session: ClientSession) => Promise<T>) => Promise<T>;
  /**
   * The node's audit log: a final refusal the sender settles by itself (a queued case refused, an
   * answer or ending taken back) is recorded in it, in the settling transaction, as the officers'
   * changes are. Without it nothing of those is audited.
   */
  audit?: Pick<AuditLog, "append" | "transaction">;
  /**
   * The hub took this province's agreement to a transfer (its receipt for the answer says
   * acknowledged): called after the answer's delivery is recorded. The receiving province issues
   * only on a hub copy of this province's status list made since the hub took the agreement
   * (certificates' transfer issuance), so the node pushes one now rather than at its next timed push.
   */
  onTransferAgreed?: () => void;
}

/**
 * What the outgoing queue stores for an officer when a message waits to be sent again (it reaches
 * the case's history when the entry gives up): Chinese, the hub's status and code in parentheses;
 * the transport's own words are the publisher's (send-words.ts). The raw error goes to the log.
 */
const OUTGOING_WORDS = {
  hubNotConfigured: SEND_WORDS.hubNotConfigured("消息"),
  notTaken: (status: number, code: string | null | undefined) =>
    `全国中心暂未受理该消息 (${hubAnswerCode(status, code)})`,
  badReceipt: "全国中心的回执不符合接口规范",
  clock: (code: string | undefined) =>
    `全国中心按时间拒收该消息 (401 ${code ?? "clock_skew"})，请检查本节点服务器的时钟（时间同步），消息在本地等待`,
  unsignedRefusal: (code: string | null) =>
    `全国中心的拒收应答未经签名，无法确认 (${hubAnswerCode(401, code)})，消息在本地等待`,
} as const;

/** A hold with the words its pause logs (queue-hold.ts); settleDelivery reads only kind and reason. */
type Held = Extract<Delivery, { kind: "hold" }> & { cause?: HoldCause };

/**
 * A pull's failure as the exchange loop reads it: an unsigned 401 unknown_key (the hub signs no
 * refusal of a request it could not verify) is thrown as that refusal, which the loop only logs as
 * expected until the operator registers this node (exchange.feature.ts), never acts on.
 */
function asPullFailure(what: string) {
  return (err: unknown): never => {
    if (unverifiedRefusal(err)?.code === "unknown_key")
      throw new PeerRefusal(what, { status: 401, error: { code: "unknown_key", message: "未登记的节点密钥" } });
    throw err;
  };
}

/** A receipt for an answer that agreed to a transfer: the hub holds the case acknowledged. */
const agreesToTransfer = (r: CaseReceipt) => r.kind === "transfer" && r.state === "acknowledged";

/** How long an instance may hold an entry it is sending before another instance takes it over. */
const LEASE_MS = 60_000;

/**
 * An entry an instance may send now, by the database's clock (queue-due.ts): with one instance's
 * clock ahead it took over leases still held (the hub got the entry twice).
 */
const DUE = dueNow({ inFlight: "sending", lease: { until: "leaseUntil" } });

/**
 * Store and forward, province side. Sending: entries of `exchange_outgoing` go to the hub in
 * order per case, retried with exponential backoff and jitter while the hub cannot be reached or
 * answers 5xx/429, held while the hub does not take this node's messages (key unknown, node
 * suspended); any other 4xx refusal is final. Receiving: the inbox is PULLED from the hub — the
 * province needs no reachable endpoint (provincial networks sit behind gateways), the hub keeps
 * every message until the province's next pull confirms it stored it, and a province that was
 * down simply pulls from its old cursor. Each page is applied in one transaction with its message
 * ids, so a message re-read after a crash is recognised and applied once (inbox-pull.ts).
 */
export function createExchangeTransport(options: TransportOptions) {
  const m = provinceExchangeModels(options.conn);
  const maxAttempts = options.maxAttempts ?? 20;
  const clock = options.now ?? (() => new Date());
  const backoff = options.backoffMs ?? ((n: number) => Math.min(300_000, 1000 * 2 ** (n - 1)));
  const transaction =
    options.transaction ??
    options.audit?.transaction ??
    (<T>(work: (session: ClientSession) => Promise<T>) => options.conn.transaction(work));
  const plainTransaction = <T>(work: (session: ClientSession) => Promise<T>) => options.conn.transaction(work);
  const pause = createHoldPause({ logger: options.logger, consumer: "exchange", holdMs: options.holdMs });

  /** Takes the lease on the entry `filter` matches, until LEASE_MS past the database's clock. */
  function takeLease(filter: Record<string, unknown>): Promise<Entry | null> {
    return m.Outgoing.findOneAndUpdate(
      filter,
      [{ $set: { status: { $literal: "sending" }, leaseUntil: { $add: ["$$NOW", LEASE_MS] } } }],
      { returnDocument: "after", updatePipeline: true },
    ).lean<Entry>();
  }

  async function attempt(entry: Entry): Promise<Delivery | Held> {
    const client = options.client();
    if (!client) return { kind: "retry", error: OUTGOING_WORDS.hubNotConfigured };
    let answer;
    try {
      // A document entry holds only the digest: the bytes are read from the document store now.
      const body: unknown =
        entry.purpose === "document"
          ? await heldDocumentContent(options.conn, entry.caseId, (entry.body as { sha256: string }).sha256)
          : entry.body;
      answer = await client.call("POST", `/api/hub/v1/exchange${entry.path}`, body);
    } catch (err) {
      // An unsigned 401: the hub signs no refusal of a request whose signature it did not verify (a
      // request changed on the way, a key it does not know yet), so it is no word of the hub's and
      // waits uncounted; what it claims only picks the words.
      const unsigned = unverifiedRefusal(err);
      if (unsigned?.code === "unknown_key") return { kind: "hold", reason: HOLD_REASONS.unknownKey("案件") };
      // The hub judges a signature's time before the signature itself, so its clock refusals come
      // unsigned too: only their words send the operator to the clock.
      const clock = unsignedClockRefusal(err);
      if (clock) return { kind: "hold", reason: OUTGOING_WORDS.clock(clock), cause: "clock" };
      if (unsigned) return { kind: "hold", reason: OUTGOING_WORDS.unsignedRefusal(unsigned.code), cause: "unavailable" };
      return { kind: "retry", error: sendFailure(err), cause: err };
    }
    if (answer.status === 200) {
      // A receipt breaking the published contract (a non-conforming hub) is a failed attempt like an
      // outage: thrown here, the entry stayed `sending` for good (taken again after each lease,
      // never counted, never given up) and the officer was told their own form was invalid.
      const receipt = CaseReceipt.safeParse(answer.body);
      if (receipt.success) return { kind: "done", receipt: receipt.data };
      return { kind: "retry", error: OUTGOING_WORDS.badReceipt, cause: receipt.error };
    }
    // Signed by the hub: it has not registered this node yet. Not the case's failure (counted, it
    // went dead after maxAttempts, about an hour); a signed 401 (only of a request whose signature
    // the hub verified: wrong_audience, nonce_reused) still counts below.
    if (notRegisteredAtPeer(answer))
      return { kind: "hold", reason: HOLD_REASONS.unknownKey("案件") };
    // Suspended by the hub operator: every message of this node is refused until it is active
    // again, whatever it says. Taken as final, an ending or issuance report died after this province
    // had moved on (a filing the hub never closed, a former home never told its certificate was
    // superseded); counted, the same after maxAttempts. It waits, uncounted, like an unknown key.
    if (suspendedAtPeer(answer)) return { kind: "hold", reason: HOLD_REASONS.suspended("消息") };
    // This node's clock is off from the hub's beyond its skew: every message would be refused
    // alike, so it waits uncounted (counted, a case was given up after maxAttempts) and the reason
    // sends the operator to the clock.
    if (clockRefusedAtPeer(answer))
      return { kind: "hold", reason: OUTGOING_WORDS.clock(answer.error?.code), cause: "clock" };
    const e = answer.error;
    // A replay still in progress, rate limiting, a case another step is changing at that moment
    // (its "请稍后重试") and the hub's own failures are worth another try.
    if (
      answer.status >= 500 ||
      answer.status === 429 ||
      e?.code === "replay_in_progress" ||
      e?.code === "case_busy" ||
      answer.status === 401
    )
      return {
        kind: "retry",
        error: OUTGOING_WORDS.notTaken(answer.status, e?.code),
        cause: `hub answered ${answer.status} ${e?.code ?? ""}`.trim(),
      };
    // Final. Every other 4xx the hub gives before it commits anything of the message: its checks
    // (contract, office, pointer, lookup, duplicates) run before the transaction, a re-send of what
    // it already holds is answered 200 with the receipt, and a failure after its commit (its answer
    // breaking the contract included, hub-exchange.routes.ts) is a 5xx, retried above. So a refused
    // new case may be removed here (province-exchange.service.ts): the hub holds none of it.
    return {
      kind: "refused",
      error: new AppError(
        e?.code ?? `hub_${answer.status}`,
        answer.status,
        e?.message ?? "全国中心拒绝了该请求",
        e?.details,
      ),
    };
  }

  /** Records what the hub answered for `entry` (in the caller's transaction): outgoing-settle.ts. */
  const settle = (session: ClientSession, entry: Entry, result: Delivery, at: Date): Promise<void> =>
    settleDelivery(m, { maxAttempts, backoff, audit: options.audit }, session, entry, result, at);

  /**
   * Pulls the hub's notices of lookups made of this province's people into the node's copy
   * (idempotent: each notice once, the cursor only moves forward; two pulls at once are harmless).
   */
  async function pullLookupNotices(): Promise<void> {
    const client = options.client();
    if (!client) return;
    for (let more = true; more;) {
      const after = await cursor("lookups");
      const answer = await client
        .call("GET", `/api/hub/v1/catalog/lookup-notices?after=${after}&limit=500`)
        .catch(asPullFailure("lookup notices pull"));
      if (answer.status !== 200) throw new PeerRefusal("lookup notices pull", answer);
      const page = LookupNoticesPage.parse(answer.body);
      for (const l of page.lookups) {
        await m.LookupNotices.updateOne(
          { lookupId: l.lookupId, idNumber: l.idNumber },
          {
            $setOnInsert: {
              seq: l.seq,
              at: new Date(l.at),
              requestingProvince: l.requestingProvince,
              officerId: l.officerId,
              officerName: l.officerName,
              reason: l.reason,
              transfer: l.transfer,
              caseReference: l.caseReference,
            },
          },
          { upsert: true },
        );
      }
      await m.Counters.updateOne(
        { _id: "cursor:lookups" },
        { $max: { value: page.nextCursor } },
        { upsert: true },
      );
      more = page.hasMore;
    }
  }

  /** Claims one due entry whose earlier entries for the same case are done. */
  async function claim(): Promise<Entry | null> {
    const candidates = await m.Outgoing.find(DUE, { _id: 1, caseId: 1, seq: 1 })
      .sort({ seq: 1 })
      .limit(50)
      .lean();
    for (const c of candidates) {
      // An earlier entry the hub refused for good (refusedByHub) holds nothing back: its word is
      // final, and sending it again would only be refused again (province-resend.ts skips it too).
      const earlier = {
        caseId: c.caseId,
        seq: { $lt: c.seq },
        status: { $ne: "done" as const },
        refusedByHub: { $ne: true },
      };
      if (await m.Outgoing.exists(earlier))
        continue;
      const entry = await takeLease({ _id: c._id, ...DUE });
      if (entry) return entry;
    }
    return null;
  }

  // Set by stop(): the entry in flight finishes, no further one is claimed (as outbox.ts does).
  let halting = false;
  const passes = new Set<Promise<number>>();

  /** One pass over the due entries, one at a time, until none is due, the hub is out, or stop(). */
  async function sendPass(): Promise<number> {
    let sent = 0;
    if (pause.active()) return 0;
    for (let e = await claim(); e; e = halting ? null : await claim()) {
      const result = await attempt(e);
      // A final refusal is audited with the change it makes, in the audit log's transaction; the
      // rest (receipts, holds, retries) audit nothing and need not queue behind officers' work.
      const settling = result.kind === "refused" ? transaction : plainTransaction;
      await settling((session) => settle(session, e, result, clock()));
      sent++;
      if (result.kind === "done") pause.delivered();
      if (result.kind === "done" && e.purpose === "answer" && agreesToTransfer(result.receipt))
        options.onTransferAgreed?.();
      if (result.kind === "hold") {
        pause.held(result.reason, { cause: "cause" in result ? result.cause : undefined });
        break;
      }
      if (result.kind === "retry") {
        const detail = { caseId: e.caseId, purpose: e.purpose, attempts: e.attempts + 1, error: result.error, err: result.cause };
        // The last attempt made the entry dead (settleDelivery) and nothing sends it again: logged
        // as "retrying later" like the others, an operator never learnt that the hub was not told.
        if (givesUp(e.purpose, e.attempts + 1, maxAttempts))
          options.logger.error(detail, "exchange send failed; given up after the maximum attempts");
        else if (e.attempts + 1 >= maxAttempts)
          options.logger.error(detail, "exchange send still failing after the maximum attempts; retrying at the longest backoff");
        else options.logger.warn(detail, "exchange send failed; retrying later");
        // The hub is unreachable: stop this pass; backoff decides when the next one tries.
        break;
      }
    }
    return sent;
  }

  async function cursor(name: string): Promise<number> {
    return (await m.Counters.findOne({ _id: `cursor:${name}` }).lean())?.value ?? 0;
  }

  return {
    attempt,
    settle,
    /** Takes the lease on a new case's first entry, so its first attempt can be made at once. */
    takeLease: (key: string) => takeLease({ key, status: "pending" }),
    ...createHubReads(options),
    /**
     * Sends every due entry once; returns how many were attempted. After `stop()` it claims no
     * further entry: the one in flight finishes and the rest stay pending for the next start.
     */
    sendOnce(): Promise<number> {
      if (halting) return Promise.resolve(0);
      const pass = sendPass().finally(() => passes.delete(pass));
      passes.add(pass);
      return pass;
    },

    /**
     * Stops sending (the node is shutting down): resolves once the entries in flight are settled.
     * Each send may wait the client's whole timeout, so draining the queue here kept a stopping
     * node sending for minutes (50 queued cases, ~100 s past SIGTERM); entries never claimed stay
     * pending, and none is left leased.
     */
    async stop(): Promise<void> {
      halting = true;
      await Promise.allSettled([...passes]);
    },

    /** Lets `sendOnce` send again after `stop()`. */
    start(): void {
      halting = false;
    },

    /**
     * Pulls the inbox (and the lookup notices) until empty; returns how many messages were applied.
     * With `waitMs`, the first request waits at the hub for the next message if there is none.
     */
    async pullOnce(own: string, opts: { waitMs?: number; signal?: AbortSignal } = {}): Promise<number> {
      const client = options.client();
      if (!client) return 0;
      let applied = 0;
      for (let more = true, first = true; more; first = false) {
        const after = await cursor("inbox");
        // The first request may wait at the hub for the next message (long poll).
        const wait = first && opts.waitMs ? `&wait=${opts.waitMs}` : "";
        const answer = await client
          .call("GET", `/api/hub/v1/exchange/inbox?after=${after}&limit=200${wait}`, undefined, opts.signal)
          .catch(asPullFailure("inbox pull"));
        if (answer.status !== 200) throw new PeerRefusal("inbox pull", answer);
        const page = InboxPage.parse(answer.body);
        const { applied: pageApplied, committed } = await applyInboxPage(m, options, transaction, page, own);
        applied += pageApplied;
        for (const after of committed) after();
        more = page.hasMore;
      }
      // Confirms the last page (the hub marks delivered what the cursor covers).
      if (applied > 0)
        await client.call("GET", `/api/hub/v1/exchange/inbox?after=${await cursor("inbox")}&limit=1`);
      await pullLookupNotices();
      return applied;
    },

    pullLookupNotices,
  };
}
export type ExchangeTransport = ReturnType<typeof createExchangeTransport>;

