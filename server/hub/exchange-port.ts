import type { ClientSession, Connection } from "mongoose";
import type { QualificationRecord } from "../contracts/hub.js";
import { hubModels } from "./hub.models.js";

/**
 * What the exchange interface (server/exchange) needs of the hub's records: the pointer of a
 * practitioner, the division that issued the certificate, the catalog lookup a case cites, and
 * the list of provinces a practitioner is filed with (they then receive the practitioner's
 * changes too). Given through the hub's index so the exchange never reads the hub's models.
 */
export function createHubExchangePort(conn: Connection) {
  const m = hubModels(conn);
  return {
    async practitioner(idNumber: string) {
      return m.Pointers.findOne({ idNumber }, { _id: 0 }).lean();
    },
    /** The GB/T 2260 division of the home province's office that issued the current certificate. */
    async issuingDivision(idNumber: string, homeProvince: string): Promise<string> {
      const rows = await m.Records.find({ idNumber, sourceProvince: homeProvince, recordType: "certificate" }, { record: 1 }).lean();
      const latest = rows
        .map((r) => r.record as QualificationRecord)
        .filter((r) => r.operation !== "delete")
        .sort((a, b) => (a.updateTime < b.updateTime ? -1 : a.updateTime > b.updateTime ? 1 : a.version - b.version))
        .at(-1);
      return latest?.issuingDivision ?? homeProvince;
    },
    async lookup(lookupId: string) {
      return m.Lookups.findOne({ lookupId }, { _id: 0 }).lean();
    },
    async fileWith(idNumber: string, province: string, session: ClientSession): Promise<void> {
      await m.Pointers.updateOne({ idNumber }, { $addToSet: { filedWith: province } }, { session });
    },
    async unfile(idNumber: string, province: string, session: ClientSession): Promise<void> {
      await m.Pointers.updateOne({ idNumber }, { $pull: { filedWith: province } }, { session });
    },
  };
}
export type HubExchangePort = ReturnType<typeof createHubExchangePort>;
