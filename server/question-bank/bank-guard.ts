import { Schema, type ClientSession, type Connection, type InferSchemaType, type Model } from "mongoose";
import type { CategoryCode } from "../contracts/categories.js";
import { claimInTransaction, isDuplicateKey, modelOn, retryTransaction } from "../lib/mongo.js";

/**
 * One document per category that every change able to leave a blueprint short writes inside its
 * transaction (a retirement, a quarantine, an approval replacing a published version, a blueprint
 * published). The fill check reads the bank on the transaction's snapshot: two retirements that
 * each leave exactly enough would both pass on their own snapshots and together leave too few.
 * Both write this document instead, so MongoDB commits one and aborts the other with a retryable
 * WriteConflict; the retry reads the first one's change and refuses. (The room booking lock in
 * server/scheduling works the same way.)
 */
const bankGuardSchema = new Schema(
  {
    _id: { type: String, required: true },
    seq: { type: Number, default: 0 },
  },
  { collection: "question_bank_guards" },
);
export type BankGuardDoc = InferSchemaType<typeof bankGuardSchema> & { _id: string };

export function bankGuardModel(conn: Connection): Model<BankGuardDoc> {
  return modelOn<BankGuardDoc>(conn, "QuestionBankGuard", bankGuardSchema);
}

/**
 * Writes the guard of each category inside `session`. A guard missing from the transaction's
 * snapshot would guard nothing: it is created outside (two transactions upserting it at once
 * would insert a duplicate, not conflict) and the whole transaction is run again.
 */
export async function takeBankGuards(
  Guards: Model<BankGuardDoc>,
  categoryCodes: readonly CategoryCode[],
  session: ClientSession,
): Promise<void> {
  const codes = [...new Set(categoryCodes)].sort();
  if (codes.length === 0) return;
  const claimed = await claimInTransaction(Guards, { _id: { $in: codes } }, "seq", session);
  if (claimed === codes.length) return;
  for (const code of codes)
    await Guards.updateOne({ _id: code }, { $setOnInsert: { seq: 0 } }, { upsert: true }).catch(
      (err: unknown) => {
        if (!isDuplicateKey(err)) throw err;
      },
    );
  throw retryTransaction(
    `question bank guards of ${codes.join(",")} were missing: created, transaction retried`,
  );
}
