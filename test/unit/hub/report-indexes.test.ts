import { expect } from "chai";
import mongoose from "mongoose";
import { hubModels } from "../../../server/hub/hub.models.js";

/**
 * The monthly report counts a month's changes by their date (`changesAccepted` filters hub_changes
 * on `at`): without an index led by `at`, every report read the whole change log.
 */
describe("the hub's change-log indexes", () => {
  it("when the report filters changes by their date, then an index leads with at", () => {
    const conn = mongoose.createConnection();
    try {
      const keys = hubModels(conn)
        .Changes.schema.indexes()
        .map(([fields]) => Object.keys(fields)[0]);
      expect(keys).to.include("at");
    } finally {
      void conn.close();
    }
  });
});
