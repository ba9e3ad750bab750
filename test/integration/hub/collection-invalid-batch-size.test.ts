import { expect } from "chai";
import { createCollectionService, createIntakeLedger } from "../../../server/hub/index.js";
import { AppError } from "../../../server/lib/errors.js";
import { useTestDatabase } from "../../helpers/database.js";
import { recordingLogger } from "../../helpers/recording-logger.js";

/**
 * A batch that is no batch is refused 400 invalid_batch with what is wrong in `details`. The details
 * were zod's raw issues, which quote what was sent: one unknown key of 1.9 MB came back twice (the
 * issue's `keys` and its message), about 3.8 MB, signed and kept against the nonce. Every other
 * refusal cuts the issues (lib/errors validationError); an answer must not grow with the request.
 */
describe("hub collection: the invalid_batch refusal does not echo the request", () => {
  const db = useTestDatabase("hub_invalid_batch_size");

  it("when a batch carries one unknown key of 1.9 MB, then it is refused invalid_batch with details of a few kilobytes naming the key's path", async () => {
    const service = createCollectionService(db.conn, { logger: recordingLogger().logger, ledger: createIntakeLedger(db.conn) });
    const huge = "k".repeat(1_900_000);
    let refusal: unknown = null;
    try {
      await service.ingest({ batchId: "b-huge-key", records: [], [huge]: 1 }, "320000");
    } catch (err) {
      refusal = err;
    }
    expect(refusal).to.be.instanceOf(AppError);
    const err = refusal as AppError;
    expect({ code: err.code, status: err.status }).to.deep.equal({ code: "invalid_batch", status: 400 });
    expect(err.message).to.match(/[\u4e00-\u9fff]/);
    const size = JSON.stringify(err.toBody()).length;
    expect(size, "bytes of the refusal's body").to.be.below(8_000);
    expect(err.details).to.be.an("array").that.is.not.empty;
  });
});
