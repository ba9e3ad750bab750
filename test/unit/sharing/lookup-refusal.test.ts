import { expect } from "chai";
import type { AuthUser } from "../../../server/contracts/auth.js";
import type { OfficerLookupBody } from "../../../server/contracts/hub.js";
import { AppError } from "../../../server/lib/errors.js";
import { createLookupService, type NodeClient, type SignedAnswer } from "../../../server/sharing/index.js";
import { recordingLogger } from "../../helpers/recording-logger.js";

/** A hub that answers every lookup with `answer`, as the signed client hands it over (already verified). */
function hubAnswering(
  answer: Pick<SignedAnswer, "status" | "body" | "error" | "retryAfterSeconds">,
): NodeClient {
  return {
    call: () =>
      Promise.resolve({
        ...answer,
        rawBody: JSON.stringify(answer.body),
        proof: { signatureInput: "", signature: "", contentDigest: "", requestSignature: "" },
      }),
  } as unknown as NodeClient;
}

function anOfficer(): AuthUser {
  return { id: "officer-1", displayName: "李执法", divisionCode: "110000" } as unknown as AuthUser;
}

const aLookup: OfficerLookupBody = {
  query: { by: "certificate_number", certificateNumber: "110000202600001" },
  reason: "enforcement",
  caseReference: "京交执 2026-200",
} as OfficerLookupBody;

async function refusalOf(client: NodeClient): Promise<AppError> {
  const service = createLookupService({
    client: () => client,
    // Not what these tests are about: every lookup is let through.
    limiter: { admit: () => Promise.resolve() },
    audit: { record: () => Promise.resolve(null) },
    logger: recordingLogger().logger,
  });
  const err = await service.lookup(anOfficer(), aLookup).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(AppError);
  return err as AppError;
}

const rateLimited = (details?: unknown) => ({
  code: "rate_limited",
  message: "节点请求过于频繁，请稍后再试",
  ...(details === undefined ? {} : { details }),
});

describe("sharing: a lookup the hub refuses for this node's rate", () => {
  it("when the hub's signed refusal says how long to wait, then the officer is refused 429 rate_limited with that wait in details and in the message", async () => {
    const error = rateLimited({ retryAfterSeconds: 17 });
    const err = await refusalOf(hubAnswering({ status: 429, body: { error }, error, retryAfterSeconds: 17 }));
    expect(err).to.include({ code: "rate_limited", status: 429 });
    expect(err.details).to.deep.equal({ retryAfterSeconds: 17 });
    expect(err.message).to.equal("全国库查询过于频繁，请 17 秒后再试");
  });

  it("when only the hub's Retry-After header says how long to wait, then the officer is told that wait", async () => {
    const error = rateLimited();
    const err = await refusalOf(hubAnswering({ status: 429, body: { error }, error, retryAfterSeconds: 9 }));
    expect(err).to.include({ code: "rate_limited", status: 429 });
    expect(err.details).to.deep.equal({ retryAfterSeconds: 9 });
    expect(err.message).to.equal("全国库查询过于频繁，请 9 秒后再试");
  });

  it("when the signed body and the unsigned header disagree, then the signed body's wait is the one passed on", async () => {
    const error = rateLimited({ retryAfterSeconds: 20 });
    const err = await refusalOf(
      hubAnswering({ status: 429, body: { error }, error, retryAfterSeconds: 3600 }),
    );
    expect(err.details).to.deep.equal({ retryAfterSeconds: 20 });
  });

  it("when the hub names no usable wait, then the officer is still refused 429 rate_limited in Chinese, without a made-up wait", async () => {
    const error = rateLimited({ retryAfterSeconds: 2.5 });
    const err = await refusalOf(
      hubAnswering({ status: 429, body: { error }, error, retryAfterSeconds: null }),
    );
    expect(err).to.include({ code: "rate_limited", status: 429 });
    expect(err.details).to.equal(undefined);
    expect(err.message).to.equal("全国库查询过于频繁，请稍后再试");
  });

  it("when the hub refuses a lookup for another reason, then its code and message are passed on as before", async () => {
    const error = { code: "validation_failed", message: "查询条件不合法" };
    const err = await refusalOf(hubAnswering({ status: 400, body: { error }, error }));
    expect(err).to.include({ code: "validation_failed", status: 400, message: "全国中心：查询条件不合法" });
  });
});
