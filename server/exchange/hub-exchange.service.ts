import { createHash, randomInt, randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { ClientSession, Connection } from "mongoose";
import { canonicalJson } from "../audit/index.js";
import {
  AckBody,
  CaseBody,
  EndBody,
  IssuedBody,
  type CaseReceipt,
  type CaseState,
  type ExchangeKind,
  type InboxMessage,
  type InboxPage,
} from "../contracts/exchange.js";
import { errors } from "../lib/errors.js";
import type { HubExchangePort } from "../hub/index.js";
import { hubExchangeModels, type HubCaseDoc } from "./hub-exchange.models.js";

/** Hours a home province has to answer each kind of case (server/config.ts `exchange.ackHours`). */
export type AckHours = Readonly<Record<ExchangeKind, number>>;

/** A lookup older than this cannot found a filing or transfer: look again. */
const LOOKUP_VALID_DAYS = 30;
const OPEN: HubCaseDoc["state"][] = ["sent", "delivered", "acknowledged", "problem"];
/** Messages numbered per transaction when a province pulls. */
const NUMBER_BATCH = 500;

const hashOf = (value: unknown) => createHash("sha256").update(canonicalJson(value)).digest("hex");

/**
 * The hub's exchange service: accepts cases from the sending province (checked against the
 * pointer index and the catalog lookup they cite), holds a message for the home province until it
 * confirms it stored it, takes the home province's answer and the sender's ending, and escalates
 * cases whose deadline passed. Every change to a case and the messages it causes are one
 * transaction, so a message is never held for a change that did not happen, or the reverse.
 */
export function createHubExchangeService(
  conn: Connection,
  deps: { hub: HubExchangePort; ackHours: AckHours; now?: () => Date },
) {
  const m = hubExchangeModels(conn);
  const now = deps.now ?? (() => new Date());

  /**
   * Gives the committed, not yet numbered messages of `to` their inbox numbers, in the order they
   * were held, in one transaction with one counter step. Numbering happens here, when the province
   * pulls, not when a message is held: a message is numbered only once committed, so a later
   * number can never commit before an earlier one and a pull never passes over a message; and the
   * transactions that hold messages (every filing, answer, ending) no longer all write the
   * receiving province's one counter document, which made concurrent filings to one province
   * conflict and retry one after another. Concurrent numbering (a second hub instance) conflicts
   * on the counter and re-reads.
   */
  async function numberPending(to: string): Promise<void> {
    // Most pulls find nothing to number: one indexed read spares them a transaction. A message
    // committed after it is numbered by the next read (its arrival wakes a waiting pull).
    if (!(await m.Inbox.exists({ to, seq: { $lt: 0 } }))) return;
    for (let more = true; more; ) {
      more = await conn.transaction(async (session) => {
        const pending = await m.Inbox.find({ to, seq: { $lt: 0 } }, { _id: 1 }).sort({ at: 1, _id: 1 }).limit(NUMBER_BATCH).session(session).lean();
        if (pending.length === 0) return false;
        const c = await m.Counters.findOneAndUpdate({ _id: `inbox:${to}` }, { $inc: { value: pending.length } }, { upsert: true, returnDocument: "after", session }).lean();
        if (!c) throw new Error("inbox counter missing");
        const first = c.value - pending.length + 1;
        await m.Inbox.bulkWrite(
          pending.map((p, i) => ({ updateOne: { filter: { _id: p._id, seq: { $lt: 0 } }, update: { $set: { seq: first + i } } } })),
          { session },
        );
        return pending.length === NUMBER_BATCH;
      });
    }
  }

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

  function receipt(c: HubCaseDoc): CaseReceipt {
    return {
      caseId: c.caseId, kind: c.kind, state: c.state, fromProvince: c.fromProvince, toProvince: c.toProvince,
      responsibleDivision: c.responsibleDivision, sentAt: c.sentAt.toISOString(), deadlineAt: c.deadlineAt.toISOString(),
    };
  }

  /** Holds one message for `to` about case `c` as it stands after this change. */
  async function hold(session: ClientSession, to: string, type: "case" | "state", c: HubCaseDoc, at: Date): Promise<void> {
    const message: Omit<InboxMessage, "seq"> = {
      messageId: randomUUID(), type, at: at.toISOString(), caseId: c.caseId, kind: c.kind, fromProvince: c.fromProvince,
      toProvince: c.toProvince, state: c.state, responsibleDivision: c.responsibleDivision, deadlineAt: c.deadlineAt.toISOString(),
      overdue: c.overdue, body: type === "case" ? (c.body as InboxMessage["body"]) : null,
      ack: (c.ack ?? null) as InboxMessage["ack"], end: (c.end ?? null) as InboxMessage["end"],
      issued: (c.issued ?? null) as InboxMessage["issued"],
    };
    // Not numbered yet (negative, unique, never read by a pull): numberPending numbers it once committed.
    heldFor.get(session)?.add(to);
    await m.Inbox.create([{ seq: -randomInt(1, 2 ** 47), messageId: message.messageId, to, type, at, caseId: c.caseId, message }], { session });
  }

  /** Refuses what the hub's own records contradict; returns the home province and responsible office. */
  async function check(body: CaseBody, sender: string, at: Date): Promise<{ home: string; responsible: string }> {
    const p = await deps.hub.practitioner(body.practitioner.idNumber);
    if (!p) throw errors.notFound("该从业人员的资格记录", "practitioner_unknown");
    if (p.homeProvince === sender)
      throw errors.unprocessable("own_practitioner", "该从业人员的资格由本省管理，无需跨省办理");
    if (p.name !== body.practitioner.name)
      throw errors.unprocessable("identity_mismatch", "姓名与全国中心记录的身份证号码不符");
    if (body.kind !== "notice") {
      if (!p.certificateNumber) throw errors.conflict("no_certificate", "该从业人员尚未取得从业资格证");
      if (p.certificateStatus !== "valid")
        throw errors.conflict("certificate_not_valid", "该从业人员的从业资格证已注销、吊销或撤销，不能备案或转籍");
    }
    if (body.lookupId !== undefined || body.kind !== "notice") {
      const lookup = body.lookupId ? await deps.hub.lookup(body.lookupId) : null;
      const wanted = body.kind === "notice" ? "enforcement" : "filing";
      const fresh = lookup && at.getTime() - lookup.at.getTime() <= LOOKUP_VALID_DAYS * 86_400_000;
      if (
        !lookup || !fresh || lookup.requestingProvince !== sender || lookup.reason !== wanted ||
        !lookup.matches.some((x) => x.idNumber === body.practitioner.idNumber)
      )
        throw errors.unprocessable("lookup_mismatch", `查询凭证不符：须为本省 ${LOOKUP_VALID_DAYS} 日内以“${wanted === "filing" ? "备案" : "执法"}”事由查到该从业人员的查询`);
    }
    return { home: p.homeProvince, responsible: await deps.hub.issuingDivision(p.idNumber, p.homeProvince) };
  }

  async function caseFor(caseId: string): Promise<HubCaseDoc> {
    const c = await m.Cases.findOne({ caseId }).lean();
    if (!c) throw errors.notFound("交换事项", "case_not_found");
    return c;
  }

  return {
    /** A new filing, transfer or notice from `sender`; a re-send of the same case is answered again, unchanged. */
    async submit(raw: unknown, sender: string): Promise<CaseReceipt> {
      const body = CaseBody.parse(raw);
      const bodyHash = hashOf(body);
      const existing = await m.Cases.findOne({ caseId: body.caseId }).lean();
      if (existing) {
        if (existing.fromProvince !== sender || existing.bodyHash !== bodyHash)
          throw errors.conflict("case_conflict", "同一编号的交换事项内容不同");
        return receipt(existing);
      }
      const at = now();
      const { home, responsible } = await check(body, sender, at);
      const doc: HubCaseDoc = {
        caseId: body.caseId, kind: body.kind, fromProvince: sender, toProvince: home, senderDivision: body.officer.divisionCode,
        responsibleDivision: responsible, idNumber: body.practitioner.idNumber, lookupId: body.lookupId ?? null, body, bodyHash,
        state: "sent", sentAt: at, deliveredAt: null, deadlineAt: new Date(at.getTime() + deps.ackHours[body.kind] * 3_600_000),
        answeredAt: null, ack: null, endedAt: null, end: null, overdue: false, escalatedAt: null, issuedAt: null, issued: null,
      };
      await tx(async (session) => {
        if (body.kind === "filing") {
          // One open filing per practitioner per filing division (a second one is a mistake or a duplicate).
          const open = await m.Cases.exists({
            kind: "filing", idNumber: doc.idNumber, fromProvince: sender, senderDivision: doc.senderDivision, state: { $in: OPEN },
          }).session(session);
          if (open) throw errors.conflict("already_filed", "该从业人员已在本辖区备案，请先终止原备案");
          await deps.hub.fileWith(doc.idNumber, sender, session);
        }
        if (body.kind === "transfer") {
          const open = await m.Cases.exists({ kind: "transfer", idNumber: doc.idNumber, state: { $in: OPEN } }).session(session);
          if (open) throw errors.conflict("transfer_open", "该从业人员已有办理中的转籍");
        }
        await m.Cases.create([doc], { session });
        await hold(session, home, "case", doc, at);
      });
      return receipt(doc);
    },

    /** The home province's answer. Only the province the case was sent to may give it. */
    async answer(caseId: string, raw: unknown, province: string): Promise<CaseReceipt> {
      const ack = AckBody.parse(raw);
      const c = await caseFor(caseId);
      if (c.toProvince !== province) throw errors.forbidden("只有该从业人员的主管省份可以确认", "not_case_recipient");
      if (ack.certificate && c.kind !== "transfer")
        throw errors.unprocessable("certificate_not_expected", "只有同意转籍时才附证书");
      const stored = { outcome: ack.outcome, problem: ack.problem ?? null, officer: ack.officer, certificate: ack.certificate ?? null };
      if (c.ack) {
        if (hashOf(c.ack) === hashOf(stored)) return receipt(c);
        throw errors.conflict("already_answered", "该事项已经答复");
      }
      if (c.state === "ended") throw errors.conflict("case_ended", "该事项已终止");
      const at = now();
      const next: HubCaseDoc = { ...c, state: ack.outcome, ack: stored, answeredAt: at, deliveredAt: c.deliveredAt ?? at };
      await tx(async (session) => {
        const res = await m.Cases.updateOne(
          { caseId, ack: null, state: { $in: ["sent", "delivered"] } },
          { $set: { state: next.state, ack: stored, answeredAt: at, deliveredAt: next.deliveredAt } },
          { session },
        );
        if (res.matchedCount !== 1) throw errors.conflict("already_answered", "该事项已经答复");
        // An agreed transfer moves the pointer to the receiving province, once: from now on only its
        // records decide what lookups answer (the old home's cancellation still reaches the hub).
        if (c.kind === "transfer" && ack.outcome === "acknowledged") await deps.hub.moveHome(c.idNumber, c.toProvince, c.fromProvince, c.caseId, session);
        await hold(session, c.fromProvince, "state", next, at);
      });
      return receipt(next);
    },

    /**
     * The receiving province issued its own certificate on an agreed transfer; the former home is
     * told (and supersedes its certificate). Once per case; an identical re-send is answered again.
     */
    async issued(caseId: string, raw: unknown, province: string): Promise<CaseReceipt> {
      const issued = IssuedBody.parse(raw);
      const c = await caseFor(caseId);
      if (c.fromProvince !== province) throw errors.forbidden("只有申请转籍的省份可以报告换发", "not_case_sender");
      if (c.kind !== "transfer") throw errors.conflict("not_a_transfer", "该事项不是转籍");
      if (c.issued) {
        if (hashOf(c.issued) === hashOf(issued)) return receipt(c);
        throw errors.conflict("already_issued", "该转籍已报告换发");
      }
      if (c.state !== "acknowledged") throw errors.conflict("transfer_not_accepted", "原籍省份尚未同意该转籍");
      if (issued.certificateNo !== c.idNumber) throw errors.unprocessable("identity_mismatch", "换发证书的号码与转籍人员不符");
      const at = now();
      const next: HubCaseDoc = { ...c, issued, issuedAt: at };
      await tx(async (session) => {
        const res = await m.Cases.updateOne({ caseId, issued: null, state: "acknowledged" }, { $set: { issued, issuedAt: at } }, { session });
        if (res.matchedCount !== 1) throw errors.conflict("already_issued", "该转籍已报告换发");
        await hold(session, c.toProvince, "state", next, at);
      });
      return receipt(next);
    },

    /** The filing province ends a filing; the home province is told. */
    async end(caseId: string, raw: unknown, province: string): Promise<CaseReceipt> {
      const end = EndBody.parse(raw);
      const c = await caseFor(caseId);
      if (c.fromProvince !== province) throw errors.forbidden("只有办理备案的省份可以终止备案", "not_case_sender");
      if (c.kind !== "filing") throw errors.conflict("not_a_filing", "只有异地备案可以终止");
      if (c.state === "ended") {
        if (hashOf(c.end) === hashOf(end)) return receipt(c);
        throw errors.conflict("case_ended", "该备案已终止");
      }
      const at = now();
      const next: HubCaseDoc = { ...c, state: "ended", end, endedAt: at };
      await tx(async (session) => {
        const res = await m.Cases.updateOne({ caseId, state: { $ne: "ended" } }, { $set: { state: "ended", end, endedAt: at } }, { session });
        if (res.matchedCount !== 1) throw errors.conflict("case_ended", "该备案已终止");
        const others = await m.Cases.exists({ kind: "filing", idNumber: c.idNumber, fromProvince: province, state: { $in: OPEN }, caseId: { $ne: caseId } }).session(session);
        if (!others) await deps.hub.unfile(c.idNumber, province, session);
        await hold(session, c.toProvince, "state", next, at);
      });
      return receipt(next);
    },

    /**
     * Messages for `province` after its cursor. Asking with `after` confirms everything up to it:
     * those messages are delivered, and a case whose message was delivered becomes `delivered`
     * (and its sender is told). The confirmation is one transaction.
     */
    async inbox(province: string, after: number, limit: number, waitMs = 0): Promise<InboxPage> {
      await confirm(province, after);
      const read = async () => {
        await numberPending(province);
        return m.Inbox.find({ to: province, seq: { $gt: after } }).sort({ seq: 1 }).limit(limit + 1).lean();
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
    },

    /** Answers every waiting inbox request now (the hub is stopping). */
    releaseWaits(): void {
      for (const done of [...waiting]) done();
    },

    /** Marks open cases past their deadline overdue, once, and tells both sides (escalation). */
    async sweepOverdue(at: Date = now()): Promise<number> {
      const due = await m.Cases.find({ state: { $in: ["sent", "delivered"] }, overdue: false, deadlineAt: { $lte: at } }).limit(500).lean();
      let count = 0;
      for (const c of due) {
        await tx(async (session) => {
          const res = await m.Cases.updateOne({ caseId: c.caseId, overdue: false, state: { $in: ["sent", "delivered"] } }, { $set: { overdue: true, escalatedAt: at } }, { session });
          if (res.matchedCount !== 1) return;
          const next = { ...c, overdue: true, escalatedAt: at };
          await hold(session, c.toProvince, "state", next, at);
          await hold(session, c.fromProvince, "state", next, at);
          count++;
        });
      }
      return count;
    },

    /** The ministry's view (hub operator): every case, newest first. */
    async list(query: { province?: string; state?: CaseState; overdue?: boolean; limit: number }) {
      const filter: Record<string, unknown> = {};
      if (query.province) filter.$or = [{ fromProvince: query.province }, { toProvince: query.province }];
      if (query.state) filter.state = query.state;
      if (query.overdue !== undefined) filter.overdue = query.overdue;
      const rows = await m.Cases.find(filter, { _id: 0, body: 0, bodyHash: 0 }).sort({ sentAt: -1 }).limit(query.limit).lean();
      return rows.map((c) => ({
        caseId: c.caseId, kind: c.kind, state: c.state, fromProvince: c.fromProvince, toProvince: c.toProvince,
        senderDivision: c.senderDivision, responsibleDivision: c.responsibleDivision, idNumber: c.idNumber,
        sentAt: c.sentAt.toISOString(), deliveredAt: c.deliveredAt?.toISOString() ?? null, answeredAt: c.answeredAt?.toISOString() ?? null,
        deadlineAt: c.deadlineAt.toISOString(), overdue: c.overdue, endedAt: c.endedAt?.toISOString() ?? null,
      }));
    },
  };

  async function confirm(province: string, upTo: number): Promise<void> {
    if (upTo <= 0) return;
    const unconfirmed = await m.Inbox.find({ to: province, seq: { $gt: 0, $lte: upTo }, deliveredAt: null }, { seq: 1, type: 1, caseId: 1 }).sort({ seq: 1 }).limit(1000).lean();
    if (unconfirmed.length === 0) return;
    const at = now();
    await tx(async (session) => {
      await m.Inbox.updateMany({ to: province, seq: { $in: unconfirmed.map((u) => u.seq) }, deliveredAt: null }, { $set: { deliveredAt: at } }, { session });
      for (const u of unconfirmed.filter((x) => x.type === "case")) {
        const c = await m.Cases.findOneAndUpdate(
          { caseId: u.caseId, state: "sent" },
          { $set: { state: "delivered", deliveredAt: at } },
          { session, returnDocument: "after" },
        ).lean();
        if (c) await hold(session, c.fromProvince, "state", c, at);
      }
    });
  }
}
export type HubExchangeService = ReturnType<typeof createHubExchangeService>;
