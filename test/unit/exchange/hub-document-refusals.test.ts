import { expect } from "chai";
import { createHubReads } from "../../../server/exchange/hub-reads.js";
import type { NodeClient } from "../../../server/sharing/index.js";
import { recordingLogger } from "../../helpers/recording-logger.js";

/**
 * An officer opening a received notice's document reads why the hub gave none in words, not the
 * hub's status and code (全国中心未提供该文书（404 case_not_found）); the code goes to the log.
 */
describe("a notice document the hub does not give: the officer's words", () => {
  /** A hub whose signed answer to every read is `status` with `code`. */
  function readsFrom(status: number, code: string | undefined) {
    const error = code ? { code, message: "x" } : undefined;
    const client = {
      call: () => Promise.resolve({ status, body: error ? { error } : {}, error, rawBody: "" }),
    } as unknown as NodeClient;
    const log = recordingLogger();
    return { reads: createHubReads({ client: () => client, logger: log.logger }), log };
  }
  const refusalOf = async (status: number, code: string | undefined) => {
    const { reads, log } = readsFrom(status, code);
    const err = await reads.fetchDocument("case-1", "a".repeat(64)).then(
      () => null,
      (e: unknown) => e as { code: string; status: number; message: string },
    );
    if (!err) throw new Error("expected a refusal");
    return { ...err, code: err.code, status: err.status, message: err.message, logged: log.warnings() };
  };

  it("when the hub answers a known code, then the officer reads it in words with no code or status, and the log keeps the code", async () => {
    const cases: [number, string][] = [
      [404, "case_not_found"],
      [404, "document_not_in_case"],
      [403, "node_suspended"],
      [401, "clock_skew"],
      [401, "signature_expired"],
      [401, "unknown_key"],
      [429, "rate_limited"],
      [503, "service_unavailable"],
    ];
    const messages = new Set<string>();
    for (const [status, code] of cases) {
      const refusal = await refusalOf(status, code);
      expect(refusal).to.include({ code: "hub_refused", status: 502 });
      expect(refusal.message, code).to.not.include(code).and.not.include(String(status));
      expect(refusal.message, code).to.match(/[\u4e00-\u9fff]/);
      expect(
        refusal.logged.map((l) => l.detail),
        code,
      ).to.deep.include({ caseId: "case-1", status, code });
      messages.add(refusal.message);
    }
    expect((await refusalOf(404, "case_not_found")).message).to.include("没有该交换事项");
    expect((await refusalOf(401, "clock_skew")).message).to.include("时钟");
    expect(messages.size).to.be.at.least(5);
  });

  it("when the hub answers a code this node does not know, then the officer reads general words without it", async () => {
    const refusal = await refusalOf(418, "teapot_mode");
    expect(refusal.message).to.not.include("teapot_mode");
    expect(refusal.message).to.include("全国中心未能提供该文书");
  });
});
