import type { ClientSession, Connection } from "mongoose";
import type { QualificationRecord } from "../contracts/hub-collection.js";
import { hubModels } from "./hub.models.js";

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
     * false when the pointer had already moved.
     */
    async moveHome(
      idNumber: string,
      from: string,
      to: string,
      caseId: string,
      session: ClientSession,
    ): Promise<boolean> {
      const at = new Date();
      const pointer = await m.Pointers.findOneAndUpdate(
        { idNumber, homeProvince: from },
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
      await m.Pointers.updateOne({ idNumber }, { $addToSet: { filedWith: from } }, { session });
      await m.Changes.create(
        [
          {
            seq: c.value,
            idNumber,
            homeProvince: to,
            filedWith: [...pointer.filedWith, from],
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
    async unfile(idNumber: string, province: string, session: ClientSession): Promise<void> {
      await m.Pointers.updateOne({ idNumber }, { $pull: { filedWith: province } }, { session });
    },
  };
}
export type HubExchangePort = ReturnType<typeof createHubExchangePort>;
