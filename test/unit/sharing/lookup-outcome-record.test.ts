import { expect } from "chai";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { AppError } from "../../../server/lib/errors.js";
import { createLookupService, type NodeClient, type SignedAnswer } from "../../../server/sharing/index.js";
import { recordingLogger } from "../../helpers/recording-logger.js";

const officer = { id: "officer-9", displayName: "钱执法", divisionCode: "420100" } as unknown as AuthUser;
const body = { lookupId: "lk-9", reason: "filing", matches: [] };
const answering = {
  call: () =>
    Promise.resolve({
      status: 200,
      body,
      error: null,
      retryAfterSeconds: null,
      rawBody: JSON.stringify(body),
      proof: { signatureInput: "", signature: "", contentDigest: "", requestSignature: "" },
    } as unknown as SignedAnswer),
} as unknown as NodeClient;

/**
 * A case may cite only a lookup the node has on record (hub.lookup_answered names its account):
 * an answer the officer saw without that entry could never be cited, and showed a lookup the
 * node cannot account for.
 */
describe("sharing: a lookup's answer reaches the officer only once its outcome is on record", () => {
  it("when the outcome entry cannot be written, then the officer gets 503 lookup_not_recorded instead of the answer", async () => {
    const written: string[] = [];
    const service = createLookupService({
      client: () => answering,
      limiter: { admit: () => Promise.resolve() },
      audit: {
        record: (e) => {
          if (e.action === "hub.lookup_answered") return Promise.reject(new Error("write conflict"));
          written.push(e.action);
          return Promise.resolve(null);
        },
      },
      logger: recordingLogger().logger,
    });
    const err = await service
      .lookup(officer, {
        query: { by: "id_number", idNumber: "320102199001011238" },
        reason: "filing",
        caseReference: "苏备 1",
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).to.be.instanceOf(AppError);
    expect(err).to.include({ code: "lookup_not_recorded", status: 503 });
    expect((err as AppError).message).to.match(/请重新查询/);
    expect(written).to.deep.equal(["hub.lookup"]);
  });
});
