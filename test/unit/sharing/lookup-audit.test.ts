import { expect } from "chai";
import type { AuthUser } from "../../../server/contracts/auth.js";
import type { OfficerLookupBody } from "../../../server/contracts/hub.js";
import { createLookupService, type NodeClient, type SignedAnswer } from "../../../server/sharing/index.js";
import { aMatch } from "../../helpers/practitioner-views.js";
import { recordingLogger } from "../../helpers/recording-logger.js";

type Entry = {
  action: string;
  target?: { type: string; id: string } | null;
  details?: Record<string, unknown>;
};

/** A hub answering with `answer`; `audited` is how many entries the node had written when it was asked. */
function aHub(answer: Pick<SignedAnswer, "status" | "body" | "error">, entries: Entry[]) {
  const seen = { audited: -1 };
  const client = {
    call: () => {
      seen.audited = entries.length;
      return Promise.resolve({
        ...answer,
        retryAfterSeconds: null,
        rawBody: JSON.stringify(answer.body),
        proof: { signatureInput: "", signature: "", contentDigest: "", requestSignature: "" },
      });
    },
  } as unknown as NodeClient;
  return { client, seen };
}

const officer = { id: "officer-7", displayName: "赵执法", divisionCode: "420100" } as unknown as AuthUser;
const request: OfficerLookupBody = {
  query: { by: "id_number", idNumber: "320102199001011238" },
  reason: "enforcement",
  caseReference: "鄂交执 2026-77",
};

function aService(client: NodeClient, entries: Entry[]) {
  return createLookupService({
    client: () => client,
    // Not what these tests are about: every lookup is let through.
    limiter: { admit: () => Promise.resolve() },
    audit: {
      record: (e) => {
        entries.push(e);
        return Promise.resolve(null);
      },
    },
    logger: recordingLogger().logger,
  });
}

describe("sharing: the province's audit entries of an officer's hub lookup", () => {
  it("when the hub answers, then the attempt is logged before the hub is asked and its outcome after, with the hub's lookupId and the match count", async () => {
    const entries: Entry[] = [];
    const match = aMatch();
    const body = { lookupId: "lk-1", reason: "enforcement", matches: [match] };
    const hub = aHub({ status: 200, body, error: null }, entries);
    await aService(hub.client, entries).lookup(officer, request);
    expect(hub.seen.audited).to.equal(1);
    expect(entries.map((e) => e.action)).to.deep.equal(["hub.lookup", "hub.lookup_answered"]);
    expect(entries[1]?.details).to.deep.include({
      lookupId: "lk-1",
      matches: 1,
      caseReference: "鄂交执 2026-77",
    });
    expect(entries[1]?.target).to.deep.equal(entries[0]?.target);
  });

  it("when the hub refuses the lookup, then the attempt's outcome is logged as refused with the hub's code, not as a lookup made", async () => {
    const entries: Entry[] = [];
    const error = { code: "rate_limited", message: "节点请求过于频繁，请稍后再试" };
    const hub = aHub({ status: 429, body: { error }, error }, entries);
    const err = await aService(hub.client, entries)
      .lookup(officer, request)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).to.have.property("code", "rate_limited");
    expect(entries.map((e) => e.action)).to.deep.equal(["hub.lookup", "hub.lookup_refused"]);
    expect(entries[1]?.details).to.deep.include({ code: "rate_limited" });
    expect(entries[1]?.details).to.not.have.property("lookupId");
  });
});
