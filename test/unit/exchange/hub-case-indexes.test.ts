import { expect } from "chai";
import mongoose from "mongoose";
import { hubExchangeModels } from "../../../server/exchange/hub-exchange.models.js";

/**
 * The operator's case list pages newest first by (sentAt, caseId) (hub-case-upkeep.ts): an index on
 * sentAt alone left the database sorting every case sent in one instant by caseId in memory.
 */
describe("the hub's case indexes", () => {
  it("when the case list sorts by sentAt then caseId, then one index covers both in that order", () => {
    const conn = mongoose.createConnection();
    try {
      const keys = hubExchangeModels(conn)
        .Cases.schema.indexes()
        .map(([fields]) => fields);
      expect(keys).to.deep.include({ sentAt: 1, caseId: 1 });
      expect(keys).not.to.deep.include({ sentAt: 1 });
    } finally {
      void conn.close();
    }
  });
});
