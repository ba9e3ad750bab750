import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { ClientSession, Connection } from "mongoose";
import type { CaseReceipt, InboxMessage, InboxPage } from "../contracts/exchange.js";
import { holdNodeForWrite } from "../hub/index.js";
import { createCommitNumbering, unnumberedSeq } from "../lib/commit-numbering.js";
import type { HubCaseDoc, HubExchangeModels } from "./hub-exchange.models.js";

/** A case as read without its body where only the new-case message needs the body. */
export type CaseView = Omit<HubCaseDoc, "body"> & { body?: unknown };

/** What the hub answers a province about a case it sent or answered: the case as it now stands. */
export function caseReceipt(c: CaseView): CaseReceipt {
  return {
    caseId: c.caseId,
    kind: c.kind,
    state: c.state,
    fromProvince: c.fromProvince,
    toProvince: c.toProvince,
    responsibleDivision: c.responsibleDivision,
    sentAt: c.sentAt.toISOString(),
    deadlineAt: c.deadlineAt.toISOString(),
  };
}

/**
 * The hub's store-and-forward inbox of each province: messages are held in the transaction of the
 * change that causes them, numbered once committed, read by the province's (long-polling) pull,
 * and marked delivered when a later pull's cursor confirms them.
 */
export function createHubInbox(conn: Connection, m: HubExchangeModels, now: () => Date) {
  /**
   * Gives the committed, not yet numbered messages of `to` their inbox numbers, in the order they
   * were held (createCommitNumbering). Numbering happens when the province pulls, not when a
   * message is held: a later number can never commit before an earlier one, so a pull never passes
   * over a message; and the transactions that hold messages (every filing, answer, ending) do not
   * all write the receiving province's one counter document, which made concurrent filings to one
   * province conflict and retry one after another.
   */
  const numberings = new Map<string, () => Promise<void>>();
  // One numbering per province, kept: it holds the run in flight that concurrent pulls share.
  const numberPending = (to: string): Promise<void> => {
    let numbering = numberings.get(to);
    if (!numbering) {
      numbering = createCommitNumbering({
        conn,
        model: m.Inbox,
        counters: m.Counters,
        counterId: `inbox:${to}`,
        pending: { to, seq: { $lt: 0 } },
        order: { at: 1, _id: 1 },
        numbered: (seq) => ({ $set: { seq } }),
      });
      numberings.set(to, numbering);
    }
    return numbering();
  };

  /**
   * Pull on notification: a province's inbox request may wait (long poll) for its next message
   * instead of asking again every poll interval. Woken once the transaction that held a message for
   * it committed; on another hub instance the wait simply times out and the province asks again.
   */
  const arrivals = new EventEmitter().setMaxListeners(0);
  const heldFor = new WeakMap<ClientSession, Set<string>>();
  async function tx<T>(work: (session: ClientSession) => Promise<T>): Promise<T> {
    let targets = new Set<string>();
    const result = await conn.transaction(async (session) => {
      targets = new Set();
      heldFor.set(session, targets);
      return work(session);
    });
    for (const to of targets) arrivals.emit(to);
    return result;
  }
  const waiting = new Set<() => void>();
  /**
   * Listens for the next arrival for `to` from now on: `arrived` resolves at the first one, or when
   * `ms` pass or `end` is called. Subscribe before reading the inbox, so a message committed while
   * the read is under way still wakes the wait (subscribing after the read missed it, and the
   * province waited out the whole wait for a message that was already there).
   */
  function listen(to: string, ms: number): { arrived: Promise<void>; end: () => void } {
    let end: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => {
      end = () => {
        clearTimeout(timer);
        arrivals.off(to, end);
        waiting.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      arrivals.once(to, end);
      waiting.add(end);
    });
    return { arrived, end };
  }

  /** The message for `to` about case `c` as it stands after this change. */
  function messageFor(session: ClientSession, to: string, type: "case" | "state", c: CaseView, at: Date) {
    const message: Omit<InboxMessage, "seq"> = {
      messageId: randomUUID(),
      type,
      at: at.toISOString(),
      caseId: c.caseId,
      kind: c.kind,
      fromProvince: c.fromProvince,
      toProvince: c.toProvince,
      state: c.state,
      responsibleDivision: c.responsibleDivision,
      deadlineAt: c.deadlineAt.toISOString(),
      overdue: c.overdue,
      body: type === "case" ? (c.body as InboxMessage["body"]) : null,
      ack: (c.ack ?? null) as InboxMessage["ack"],
      end: (c.end ?? null) as InboxMessage["end"],
      issued: (c.issued ?? null) as InboxMessage["issued"],
      sourceRecord: (c.sourceRecord ?? null) as InboxMessage["sourceRecord"],
      sourceEnded: (c.sourceEnded ?? null) as InboxMessage["sourceEnded"],
      // The taking back as the home sent it (reason, officer), without what the hub keeps beside it.
      disputeWithdrawn: c.disputeWithdrawn
        ? {
            reason: (c.disputeWithdrawn as NonNullable<InboxMessage["disputeWithdrawn"]>).reason,
            officer: (c.disputeWithdrawn as NonNullable<InboxMessage["disputeWithdrawn"]>).officer,
          }
        : null,
    };
    heldFor.get(session)?.add(to);
    // Not numbered yet (negative, unique, never read by a pull): numberPending numbers it once committed.
    return {
      seq: unnumberedSeq(),
      messageId: message.messageId,
      to,
      type,
      at,
      caseId: c.caseId,
      message,
      deliveredAt: null,
    };
  }

  /**
   * Holds messages (one insert for all). Lean: the messages are built here from documents already
   * checked, so mongoose's per-document casting and validation would only cost CPU per filing.
   */
  async function holdMany(
    session: ClientSession,
    held: { to: string; type: "case" | "state"; c: CaseView }[],
    at: Date,
  ): Promise<void> {
    if (held.length === 0) return;
    await m.Inbox.insertMany(
      held.map((h) => messageFor(session, h.to, h.type, h.c, at)),
      { session, lean: true },
    );
  }
  const hold = (session: ClientSession, to: string, type: "case" | "state", c: CaseView, at: Date) =>
    holdMany(session, [{ to, type, c }], at);

  /**
   * Messages for `province` after its cursor. Asking with `after` confirms everything up to it:
   * those messages are delivered, and a case whose message was delivered becomes `delivered`
   * (and its sender is told). The confirmation is one transaction, which checks the province's node
   * again (under `keyId`, the gate's) as every other exchange write does.
   */
  async function page(
    province: string,
    after: number,
    limit: number,
    waitMs = 0,
    keyId?: string,
  ): Promise<InboxPage> {
    await confirm(province, after, keyId);
    const read = async () => {
      await numberPending(province);
      return m.Inbox.find({ to: province, seq: { $gt: after } })
        .sort({ seq: 1 })
        .limit(limit + 1)
        .lean();
    };
    const arrival = waitMs > 0 ? listen(province, waitMs) : null;
    let rows;
    try {
      rows = await read();
      if (rows.length === 0 && arrival) {
        await arrival.arrived;
        rows = await read();
      }
    } finally {
      arrival?.end();
    }
    const page = rows.slice(0, limit);
    return {
      messages: page.map((r) => ({ ...(r.message as Omit<InboxMessage, "seq">), seq: r.seq })),
      nextCursor: page.at(-1)?.seq ?? after,
      hasMore: rows.length > limit,
    };
  }

  async function confirm(province: string, upTo: number, keyId: string | undefined): Promise<void> {
    if (upTo <= 0) return;
    const unconfirmed = await m.Inbox.find(
      { to: province, seq: { $gt: 0, $lte: upTo }, deliveredAt: null },
      { seq: 1, type: 1, caseId: 1 },
    )
      .sort({ seq: 1 })
      .limit(1000)
      .lean();
    if (unconfirmed.length === 0) return;
    const at = now();
    // As createNodeTx (hub-case-order.ts) does for the exchange's other writes: the gate checked the
    // node when the pull arrived, and a suspension or key retirement committing since refuses the
    // confirmation (403 node_suspended, 401 unknown_key) and rolls it back. Checked last, just
    // before the commit, so the province's concurrent writes do not queue on its node document.
    await tx(async (session) => {
      await deliver(session, province, unconfirmed, at);
      await holdNodeForWrite(conn, session, { provinceCode: province, ...(keyId ? { keyId } : {}) }, at);
    });
  }

  /** Marks `unconfirmed` delivered in `session`, and the cases whose new-case message it is. */
  async function deliver(
    session: ClientSession,
    province: string,
    unconfirmed: { seq: number; type: string; caseId: string }[],
    at: Date,
  ): Promise<void> {
    await m.Inbox.updateMany(
      { to: province, seq: { $in: unconfirmed.map((u) => u.seq) }, deliveredAt: null },
      { $set: { deliveredAt: at } },
      { session },
    );
    // The cases whose new-case message is now delivered: one read, one update and one insert of
    // their senders' messages for the page, not two writes per case.
    const caseIds = unconfirmed.filter((x) => x.type === "case").map((x) => x.caseId);
    if (caseIds.length === 0) return;
    const sent = await m.Cases.find({ caseId: { $in: caseIds }, state: "sent" }, { body: 0 })
      .session(session)
      .lean();
    if (sent.length === 0) return;
    const res = await m.Cases.updateMany(
      { caseId: { $in: sent.map((c) => c.caseId) }, state: "sent" },
      { $set: { state: "delivered", deliveredAt: at } },
      { session },
    );
    // The transaction's snapshot read them as sent; a concurrent change conflicts and retries the whole.
    if (res.matchedCount !== sent.length)
      throw new Error("exchange cases changed during delivery confirmation");
    await holdMany(
      session,
      sent.map((c) => ({
        to: c.fromProvince,
        type: "state" as const,
        c: { ...c, state: "delivered" as const, deliveredAt: at },
      })),
      at,
    );
  }

  return {
    /** Runs a change and the messages it holds as one transaction; waiting pulls wake after the commit. */
    tx,
    hold,
    holdMany,
    page,
    /** Answers every waiting inbox request now (the hub is stopping). */
    releaseWaits: (): void => {
      for (const done of [...waiting]) done();
    },
  };
}
