import type { Connection } from "mongoose";
import { isConformanceRecord, type RecordResult, type RejectCode } from "../contracts/hub-collection.js";
import { isDuplicateKey } from "../lib/mongo.js";
import type { BatchInfo, ValidRecord } from "./collection-batch.js";
import { hubModels, type HubRecordDoc } from "./hub.models.js";
import { holdNodeForWrite } from "./node.model.js";
import {
  claimedNumber,
  createNumberCheck,
  holdsOwnNumber,
  writeCertificateClaims,
} from "./certificate-claims.js";
import { homeContest, recordContests, type ContestClaim } from "./home-contests.js";
import {
  POINTER_FACTS_PROJECTION,
  ROUND_POINTER_PROJECTION,
  pointerFrom,
  transferCancellationAhead,
  type PointerFacts,
} from "./pointer-view.js";
import { HOME_CONTESTED, TOO_MANY_RECORDS, revivesCertificate } from "./record-validation.js";
import { intakeRow, type IntakeLedger } from "./report/intake-ledger.js";

/**
 * How the collection service applies a batch's checked records: split into rounds of distinct
 * practitioners, each round one transaction, queued one at a time per instance, and retried record
 * by record when two provinces raced to create the same practitioner. Its own module so that the
 * collection service keeps the interface (parsing, checking, the receipt, the rejection log).
 */

/** The key a published record is held under: its source province and its record id. */
function recordKey(r: { sourceProvince: string; recordId: string }): string {
  return `${r.sourceProvince}\u0000${r.recordId}`;
}

/**
 * The reason of a record that lost a write race inside the hub (two rounds creating the same
 * practitioner at once): the hub's own trouble, not a judgement of the record, which the province
 * sends again (its publisher retries this code) and which is judged and counted then.
 */
export const CONFLICT_RETRY: RejectCode = "conflict_retry";

// Moved to collection-batch.ts; still exported from here, where the collection service imports them.
export { rounds, type BatchInfo, type ValidRecord } from "./collection-batch.js";

/** A held record as a round reads it: what judging a re-send needs, and the pointer's facts. */
type HeldRecord = Pick<
  HubRecordDoc,
  "sourceProvince" | "recordId" | "idNumber" | "version" | "hash" | "hubSeq"
> & {
  record: PointerFacts;
};

/**
 * The round applier of one collection service: `applyRoundOrEach` applies a round (see rounds) in
 * one transaction, falling back to record by record when the round lost a write race.
 */
export function createRoundApplier(
  conn: Connection,
  deps: { ledger?: IntakeLedger; maxRecords: number; deletedHomeGraceDays: number },
) {
  const m = hubModels(conn);
  const maxRecords = deps.maxRecords;
  const graceMs = deps.deletedHomeGraceDays * 86_400_000;

  /**
   * This instance's rounds apply one at a time. Every round takes the hub's one change counter in
   * its transaction, so two at once conflict and one repeats from its first read: with eight
   * province clients sending at once a batch of 500 cost 34 round trips instead of 12 (bench:hub,
   * serverStatus network.numRequests), the repeats' reads included. Queued here, a round waits for
   * the one before it instead; only the transaction waits, parsing and checking still run side by
   * side. Rounds of several hub instances can still meet, and then conflict and repeat as before.
   */
  let lastRound: Promise<unknown> = Promise.resolve();
  function applyRound(round: ValidRecord[], batch: BatchInfo): Promise<RecordResult[]> {
    const run = lastRound.then(
      () => applyRoundNow(round, batch),
      () => applyRoundNow(round, batch),
    );
    lastRound = run.catch(() => undefined);
    return run;
  }

  /**
   * Applies a round of records — each of a different practitioner and a different record id — in
   * one transaction: one read of the records held (this record and every record of the person, of
   * which only what the pointer is recomputed from), one of the pointers, one counter step, and
   * one bulk write per collection, whatever the round's size. Each record is still judged on its own (stale,
   * duplicate, conflicts, home province) exactly as if it came alone.
   */
  async function applyRoundNow(round: ValidRecord[], batch: BatchInfo): Promise<RecordResult[]> {
    const signer = batch.sourceProvince;
    const people = [...new Set(round.map((v) => v.record.practitioner.idNumber))];
    return conn.transaction(async (session) => {
      // The round may have waited in the queue since the gate checked the node: checked again here,
      // by a write a suspension or key retirement meanwhile conflicts with (holdNodeForWrite).
      // Always: skipped without a key id, an in-process caller wrote for a suspended or never
      // registered province; without one only the key is not checked, the node's status still is.
      await holdNodeForWrite(
        conn,
        session,
        { provinceCode: signer, ...(batch.keyId ? { keyId: batch.keyId } : {}) },
        batch.receivedAt,
      );
      // Provenance equals the signer (checked with the record), so every key is (signer, recordId).
      const held = await m.Records.find(
        {
          $or: [
            { sourceProvince: signer, recordId: { $in: round.map((v) => v.record.recordId) } },
            { idNumber: { $in: people } },
          ],
        },
        {
          sourceProvince: 1,
          recordId: 1,
          idNumber: 1,
          version: 1,
          hash: 1,
          hubSeq: 1,
          ...POINTER_FACTS_PROJECTION,
        },
      )
        .session(session)
        .lean<HeldRecord[]>();
      // With the pointers showing a certificate number the round's records carry (one number, one
      // holder: certificate-claims.ts), in the same read.
      const numbers = [...new Set(round.flatMap((v) => claimedNumber(v.record) ?? []))];
      const pointers = await m.Pointers.find(
        numbers.length
          ? { $or: [{ idNumber: { $in: people } }, { certificateNumber: { $in: numbers } }] }
          : { idNumber: { $in: people } },
        ROUND_POINTER_PROJECTION,
      )
        .session(session)
        .lean();
      const ofRound = new Set(people);
      const pointerOf = new Map(pointers.filter((p) => ofRound.has(p.idNumber)).map((p) => [p.idNumber, p]));
      // Indexed once per round: scanning `held` for each record made a round cost its size squared.
      const heldByKey = new Map(held.map((r) => [recordKey(r), r]));
      const heldOfPerson = new Map<string, typeof held>();
      for (const r of held) {
        const list = heldOfPerson.get(r.idNumber);
        if (list) list.push(r);
        else heldOfPerson.set(r.idNumber, [r]);
      }
      // One certificate number, one holder: who else holds the numbers this round's records carry.
      const records = round.map((v) => v.record);
      // Read before the round writes: whether each record's number was its person's already.
      const ownNumber = new Set(
        records.filter((r) =>
          holdsOwnNumber(r, heldByKey.get(recordKey(r)), pointerOf.get(r.practitioner.idNumber)),
        ),
      );
      const holdsOwn = (r: (typeof records)[number]) => ownNumber.has(r);
      const numberRefusal = await createNumberCheck(m, records, pointers, session, holdsOwn);
      const contests: ContestClaim[] = [];
      // Beijing's calendar day, as certificates print their validity (record-validation.ts).
      const today = new Date(batch.receivedAt.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
      const results: RecordResult[] = [];
      const accepted: {
        v: ValidRecord;
        home: string;
        filedWith: string[];
        /** Null: the pointer's view stays as it is (see transferCancellationAhead). */
        view: ReturnType<typeof pointerFrom> | null;
        /** Neither the record nor the practitioner is held yet: plain inserts (a race meets the unique index). */
        newRecord: boolean;
        newPerson: boolean;
        /** The pointer was nobody's (every record deleted): the signer becomes its home, in this write. */
        claimsHome: boolean;
      }[] = [];
      for (const v of round) {
        const { index, record, hash } = v;
        const base = { index, recordId: record.recordId, version: record.version };
        const reject = (code: RejectCode, field: string | null, message: string) =>
          results.push({
            ...base,
            outcome: "rejected",
            reasons: [{ code, field, message }],
            hubSeq: null,
            recordHash: null,
          });
        const existing = heldByKey.get(recordKey(record));
        const idNumber = record.practitioner.idNumber;
        if (existing && record.version < existing.version) {
          results.push({
            ...base,
            outcome: "stale",
            reasons: [],
            hubSeq: existing.hubSeq,
            recordHash: existing.hash,
          });
          continue;
        }
        if (existing && record.version === existing.version) {
          if (existing.hash === hash)
            results.push({
              ...base,
              outcome: "duplicate",
              reasons: [],
              hubSeq: existing.hubSeq,
              recordHash: hash,
            });
          else reject("version_conflict", "version", "同一版本号的记录内容不同，请递增版本号");
          continue;
        }
        if (existing && existing.idNumber !== idNumber) {
          reject("inconsistent", "practitioner.idNumber", "记录所属的身份证号码不可更改");
          continue;
        }
        const pointer = pointerOf.get(idNumber);
        // A pointer whose every record was deleted (live false) is nobody's: kept as the deleting
        // province's, the person's real home was refused not_home_province for ever. The first
        // province to publish a record of the person again becomes the home (absent: live).
        // Within the grace period after the deletion (updatedAt: the deleting change) the home stays:
        // between a correction's delete and its re-add, any province could take the person.
        const inGrace =
          pointer?.live === false && pointer.updatedAt.getTime() > batch.receivedAt.getTime() - graceMs;
        const owned = pointer !== undefined && (pointer.live !== false || inGrace);
        // The home province writes; a former home (after a transfer) may still update records it
        // published, but not make a valid certificate of one that was none (revivesCertificate).
        if (
          owned &&
          pointer.homeProvince !== signer &&
          (!existing || revivesCertificate(record, existing.record))
        ) {
          // Refused; a home holding no valid certificate of the person is contested (home-contests.ts).
          const contested = homeContest(record, heldOfPerson.get(idNumber) ?? [], pointer, signer, today);
          if (contested) contests.push(contested.contest);
          if (contested) reject(HOME_CONTESTED, "sourceProvince", contested.message);
          else
            reject(
              "not_home_province",
              "sourceProvince",
              `该从业人员的资格由 ${pointer.homeProvince} 管理，其他省份不得写入`,
            );
          continue;
        }
        // Counted from the read above (a round holds one record of a person), for new records only:
        // a province keeps updating what it already published.
        const ownHeld = (heldOfPerson.get(idNumber) ?? []).filter((r) => r.sourceProvince === signer).length;
        if (!existing && ownHeld >= maxRecords) {
          reject(
            TOO_MANY_RECORDS,
            "recordId",
            `该从业人员在本省已有 ${ownHeld} 条记录，达到上限 ${maxRecords} 条，请更新已有记录而非新增`,
          );
          continue;
        }
        const taken = numberRefusal(record);
        if (taken) {
          reject(taken.code, taken.field, taken.message);
          continue;
        }
        const home = owned ? pointer.homeProvince : signer;
        const others = (heldOfPerson.get(idNumber) ?? []).filter((r) => r !== existing);
        const all = [...others, { record, version: record.version }];
        accepted.push({
          v,
          home,
          filedWith: pointer?.filedWith ?? [],
          view: transferCancellationAhead(record, home, others) ? null : pointerFrom(all, record, home),
          newRecord: !existing,
          newPerson: !pointer,
          claimsHome: pointer !== undefined && !owned && pointer.homeProvince !== signer,
        });
      }
      await recordContests(m, contests, batch.receivedAt, session);
      if (accepted.length === 0) return results;
      // The batch's arrival, as the intake ledger dates it: stamped with the round's commit time, a
      // batch arriving at 23:59:59 on the 31st counted in January in the ledger and in February in
      // the change log, and both months' reports said the two disagree.
      const at = batch.receivedAt;
      const counter = await m.Counters.findOneAndUpdate(
        { _id: "changes" },
        { $inc: { value: accepted.length } },
        { upsert: true, returnDocument: "after", session },
      ).lean();
      if (!counter) throw new Error("change counter missing");
      const firstSeq = counter.value - accepted.length + 1;
      const rows = accepted.map((a, i) => ({
        ...a,
        hubSeq: firstSeq + i,
        idNumber: a.v.record.practitioner.idNumber,
      }));
      // Written through the driver, not mongoose: every field is built here from a record zod and
      // checkRecord already validated, with the schema's types, so mongoose's per-document
      // hydration, casting and validation only re-checked this code's own output, and was the
      // largest part of the hub's CPU per record. The integration tests check every written
      // document against its schema (collection.test.ts), so the two cannot drift apart unseen.
      await m.Records.collection.bulkWrite(
        rows.map(({ v: { record, hash }, hubSeq, idNumber, newRecord }) => {
          const key = { sourceProvince: record.sourceProvince, recordId: record.recordId };
          const fields = {
            idNumber,
            recordType: record.recordType,
            version: record.version,
            hash,
            record,
            hubSeq,
            receivedAt: at,
          };
          return newRecord
            ? { insertOne: { document: { ...key, ...fields } } }
            : { updateOne: { filter: key, update: { $set: fields } } };
        }),
        { session, ordered: true },
      );
      await m.Pointers.collection.bulkWrite(
        rows.map(({ v, view, hubSeq, idNumber, newPerson, claimsHome }) => {
          const fields = {
            ...(view ?? {}),
            ...(claimsHome ? { homeProvince: signer } : {}),
            recordHash: v.hash,
            lastSeq: hubSeq,
            updatedAt: at,
          };
          return newPerson
            ? {
                insertOne: {
                  document: { idNumber, homeProvince: signer, filedWith: [], version: 1, ...fields },
                },
              }
            : { updateOne: { filter: { idNumber }, update: { $set: fields, $inc: { version: 1 } } } };
        }),
        { session, ordered: true },
      );
      const acceptedRecords = rows.map((r) => r.v.record);
      await writeCertificateClaims(m, acceptedRecords, at, session, holdsOwn);
      await m.Changes.collection.insertMany(
        rows.map(({ v: { record }, hubSeq, idNumber, home, filedWith }) => ({
          seq: hubSeq,
          idNumber,
          homeProvince: home,
          filedWith: [...filedWith],
          sourceProvince: record.sourceProvince,
          recordId: record.recordId,
          recordType: record.recordType,
          operation: record.operation,
          version: record.version,
          at,
        })),
        { session, ordered: true },
      );
      const done = rows.map(({ v, hubSeq }) => ({
        index: v.index,
        recordId: v.record.recordId,
        version: v.record.version,
        outcome: "accepted" as const,
        reasons: [],
        hubSeq,
        recordHash: v.hash,
      }));
      // Counted in the same transaction as the changes it counts (a failed write undoes them). The
      // conformance kit's test records count nowhere: a province that runs the kit against the
      // national hub would otherwise see its test's deliberate refusals in its signed report.
      await deps.ledger?.write(
        done.flatMap((r, i) =>
          isConformanceRecord(rows[i]?.v.raw)
            ? []
            : [intakeRow(batch, r, rows[i]?.v.raw, { created: rows[i]?.newRecord === true })],
        ),
        session,
      );
      return [...results, ...done];
    });
  }

  /** A round, falling back to record by record when two provinces raced to create the same practitioner. */
  async function applyRoundOrEach(round: ValidRecord[], batch: BatchInfo): Promise<RecordResult[]> {
    const raced = (err: unknown) => isDuplicateKey(err);
    try {
      return await applyRound(round, batch);
    } catch (err) {
      if (!raced(err)) throw err;
    }
    const results: RecordResult[] = [];
    for (const v of round) {
      try {
        results.push(...(await applyRound([v], batch)));
      } catch (err) {
        if (!raced(err)) throw err;
        // The loser retries and is then judged on the winner.
        results.push({
          index: v.index,
          recordId: v.record.recordId,
          version: v.record.version,
          outcome: "rejected",
          hubSeq: null,
          recordHash: null,
          reasons: [{ code: CONFLICT_RETRY, field: null, message: "并发写入冲突，请重新发送" }],
        });
      }
    }
    return results;
  }

  return { applyRoundOrEach };
}
