import type { ClientSession, Connection } from "mongoose";
import type { QualificationRecord } from "../contracts/hub-collection.js";
import { hubModels } from "./hub.models.js";

/** The exchange's per-person order (hub-exchange.models.ts personOrderSchema, hub-case-order.ts). */
export const PERSON_ORDER_COLLECTION = "exchange_person_order";

/**
 * What the exchange interface (server/exchange) needs of the hub's records: the pointer of a
 * practitioner, the division that issued the certificate, the catalog lookup a case cites, and
 * the list of provinces a practitioner is filed with (they then receive the practitioner's
 * changes too). Given through the hub's index so the exchange never reads the hub's models.
 */
export function createHubExchangePort(conn: Connection) {
  const m = hubModels(conn);

  /**
   * The home province's current certificate record of the practitioner as the hub holds it (the
   * latest version not deleted), or null. For a legacy holder it is the only record there is.
   */
  async function certificateRecord(
    idNumber: string,
    homeProvince: string,
  ): Promise<QualificationRecord | null> {
    const rows = await m.Records.find(
      { idNumber, sourceProvince: homeProvince, recordType: "certificate" },
      { record: 1 },
    ).lean();
    return (
      rows
        .map((r) => r.record as QualificationRecord)
        .filter((r) => r.operation !== "delete")
        .sort((a, b) =>
          a.updateTime < b.updateTime ? -1 : a.updateTime > b.updateTime ? 1 : a.version - b.version,
        )
        .at(-1) ?? null
    );
  }

  return {
    async practitioner(idNumber: string) {
      return m.Pointers.findOne({ idNumber }, { _id: 0 }).lean();
    },
    /**
     * The GB/T 2260 division of the home province's office that issued the current certificate:
     * the pointer's copy when it has one (kept by the collection interface with the pointer), else
     * read from the records.
     */
    async issuingDivision(
      pointer: { idNumber: string; homeProvince: string; issuingDivision?: string | null },
    ): Promise<string> {
      if (pointer.issuingDivision) return pointer.issuingDivision;
      return (
        (await certificateRecord(pointer.idNumber, pointer.homeProvince))?.issuingDivision ??
        pointer.homeProvince
      );
    },
    certificateRecord,
    async lookup(lookupId: string) {
      return m.Lookups.findOne({ lookupId }, { _id: 0 }).lean();
    },
    async fileWith(idNumber: string, province: string, session: ClientSession): Promise<void> {
      await m.Pointers.updateOne({ idNumber }, { $addToSet: { filedWith: province } }, { session });
    },
    /**
     * Moves the practitioner's pointer from `from` to `to` (转籍), conditional on `from` still being
     * home, so it moves exactly once; the move is a change in the feed like any record. Resolves
     * false when the pointer had already moved. The hub operator's reassignment of a contested
     * home (home-contests.ts) moves it too, only from the pointer `version` it decided on, and does
     * not file the former home: that province held no valid certificate of the person (often it
     * only published a pass under an ID number it did not own), so it gets no later changes.
     */
    async moveHome(
      idNumber: string,
      from: string,
      to: string,
      caseId: string,
      session: ClientSession,
      options: { version?: number; keepFormerFiled?: boolean } = {},
    ): Promise<boolean> {
      const at = new Date();
      const keepFormer = options.keepFormerFiled !== false;
      const pointer = await m.Pointers.findOneAndUpdate(
        { idNumber, homeProvince: from, ...(options.version === undefined ? {} : { version: options.version }) },
        {
          $set: { homeProvince: to, updatedAt: at },
          $inc: { version: 1 },
          $pull: { filedWith: to },
          // The new home's office is known from its records once they arrive (read until then).
          $unset: { issuingDivision: 1 },
        },
        { session, returnDocument: "after" },
      ).lean();
      if (!pointer) return false;
      const c = await m.Counters.findOneAndUpdate(
        { _id: "changes" },
        { $inc: { value: 1 } },
        { upsert: true, returnDocument: "after", session },
      ).lean();
      if (!c) throw new Error("change counter missing");
      await m.Pointers.updateOne({ idNumber }, { $set: { lastSeq: c.value } }, { session });
      // The former home keeps receiving this practitioner's changes as if filed with it.
      if (keepFormer) await m.Pointers.updateOne({ idNumber }, { $addToSet: { filedWith: from } }, { session });
      await m.Changes.create(
        [
          {
            seq: c.value,
            idNumber,
            homeProvince: to,
            filedWith: keepFormer ? [...pointer.filedWith, from] : [...pointer.filedWith],
            recordId: `transfer:${caseId}`,
            recordType: "transfer",
            operation: "update",
            version: pointer.version,
            at,
          },
        ],
        { session },
      );
      return true;
    },
    /**
     * The exchange's per-person order write for a move of the home made outside the exchange (the
     * operator's reassignment of a contested home, home-contests.ts), in the mover's transaction, as
     * orderPerson (server/exchange/hub-case-order.ts) writes it when an agreed transfer moves the
     * home: a case checked against the old home before the move commits then conflicts with it
     * and is checked again, rather than sent to the former home. Written by collection name because
     * the hub does not read the exchange's models (PERSON_ORDER_COLLECTION, hub-exchange.models.ts).
     */
    async orderHomeMove(idNumber: string, to: string, session: ClientSession): Promise<void> {
      await conn
        .collection<{ _id: string; changes: number; home?: string }>(PERSON_ORDER_COLLECTION)
        .updateOne({ _id: idNumber }, { $inc: { changes: 1 }, $set: { home: to } }, { upsert: true, session });
    },
    async unfile(idNumber: string, province: string, session: ClientSession): Promise<void> {
      await m.Pointers.updateOne({ idNumber }, { $pull: { filedWith: province } }, { session });
    },
  };
}
export type HubExchangePort = ReturnType<typeof createHubExchangePort>;
