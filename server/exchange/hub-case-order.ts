import { createHash } from "node:crypto";
import type { ClientSession, Connection } from "mongoose";
import { canonicalJson } from "../audit/index.js";
import type { CaseReceipt } from "../contracts/exchange.js";
import { holdNodeForWrite } from "../hub/index.js";
import type { AppError } from "../lib/errors.js";
import type { HubExchangeModels } from "./hub-exchange.models.js";
import { caseReceipt, type CaseView } from "./hub-inbox.js";

/**
 * What a step carried (an answer, an ending, an issuance), hashed canonically: a repeat of the same
 * step is recognised by it, whatever order its keys were sent in.
 */
export const hashOf = (value: unknown) => createHash("sha256").update(canonicalJson(value)).digest("hex");

/**
 * How hub-exchange.service.ts's transactions stay right when two requests about one person or one
 * case run at once (on one hub instance or two): ordered by a shared write where each decides from
 * what it read, and a lost race of a retried step told apart from a different step.
 */
export function createHubCaseOrder(m: Pick<HubExchangeModels, "Cases" | "PersonOrders">) {
  return {
    /**
     * Orders the hub's changes of one person's cases: a new case (addressed to the home it read),
     * an ending (which unfiles the sender unless another of its filings is open) and an agreement
     * or withdrawal that moves the home (`movedTo`, recorded) all write this one document first, so
     * two at once conflict and the later one retries, deciding again from what the earlier
     * committed. Deciding from reads alone, two endings of one province's two filings each saw the
     * other open and neither unfiled it. Resolves with the home the last move took the person to
     * (null: none recorded), as it stands for this transaction: a case checked against another
     * home before a move committed is checked again rather than sent to the former home.
     */
    orderPerson: async (
      idNumber: string,
      session: ClientSession,
      movedTo?: string,
    ): Promise<string | null> => {
      const order = await m.PersonOrders.findOneAndUpdate(
        { _id: idNumber },
        { $inc: { changes: 1 }, ...(movedTo ? { $set: { home: movedTo } } : {}) },
        { upsert: true, returnDocument: "after", session },
      ).lean();
      return order?.home ?? null;
    },

    /**
     * A step whose conditional write found the case already changed, in its transaction. The
     * repeat check before the transaction read the case earlier: a retry (the first attempt was
     * slow, the province's client gave up and sent it again) read it unchanged, then the first
     * attempt committed. The same step (`same`) is answered with the case as it now stands, as a
     * repeat arriving later is; refused, the province took back a step the hub holds, for good.
     * Anything else is refused with `refusal`.
     */
    sameStepOr: async (
      caseId: string,
      session: ClientSession,
      same: (latest: CaseView) => boolean,
      refusal: (latest: CaseView | null) => AppError,
    ): Promise<CaseReceipt> => {
      const latest = await m.Cases.findOne({ caseId }, { body: 0 }).session(session).lean<CaseView>();
      if (latest && same(latest)) return caseReceipt(latest);
      throw refusal(latest);
    },
  };
}

/**
 * Runs `work` in a transaction (`tx`, the inbox's) that then checks the node of the province whose
 * message caused the write, as the collection's rounds do (holdNodeForWrite): the gate checked it
 * when the request arrived, and a suspension or key retirement committing since refuses the write
 * (403 node_suspended, 401 unknown_key) and rolls it back instead of letting it through. A write,
 * so a status change committing meanwhile conflicts with it and the transaction decides again.
 * Written last, just before the commit: every write of one province writes this one document, and
 * held from the first step it made the province's concurrent cases on other hub instances wait on
 * each other (the collection queues its rounds per instance; the exchange does not). `keyId` is
 * the gate's; without it (an in-process caller) the node's status is still checked.
 */
export function createNodeTx(
  conn: Connection,
  tx: <T>(work: (session: ClientSession) => Promise<T>) => Promise<T>,
) {
  return <T>(
    province: string,
    keyId: string | undefined,
    at: Date,
    work: (session: ClientSession) => Promise<T>,
  ): Promise<T> =>
    tx(async (session) => {
      const result = await work(session);
      await holdNodeForWrite(conn, session, { provinceCode: province, ...(keyId ? { keyId } : {}) }, at);
      return result;
    });
}
