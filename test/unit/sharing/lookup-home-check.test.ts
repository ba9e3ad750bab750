import { expect } from "chai";
import type { LookupBody } from "../../../server/contracts/hub.js";
import { createLookupService, type NodeClient, type SignedAnswer } from "../../../server/sharing/index.js";
import { aMatch } from "../../helpers/practitioner-views.js";
import { recordingLogger } from "../../helpers/recording-logger.js";

type Entry = {
  action: string;
  actor: unknown;
  divisionCode?: string | null;
  details?: Record<string, unknown>;
};

/** A hub answering every lookup with `matches`; `sent` keeps the bodies it was asked with. */
function aHub(matches: ReturnType<typeof aMatch>[]) {
  const sent: LookupBody[] = [];
  const client = {
    call: (_method: string, _path: string, body: LookupBody) => {
      sent.push(body);
      const answer = { lookupId: "lk-home", reason: body.reason, matches };
      return Promise.resolve({
        status: 200,
        body: answer,
        error: null,
        retryAfterSeconds: null,
        rawBody: JSON.stringify(answer),
        proof: { signatureInput: "", signature: "", contentDigest: "", requestSignature: "" },
      } satisfies SignedAnswer);
    },
  } as unknown as NodeClient;
  return { client, sent };
}

const system = { id: "system", kind: "system" as const, name: "系统" };

function aService(client: NodeClient, entries: Entry[], admitted: string[]) {
  return createLookupService({
    client: () => client,
    limiter: {
      admit: (accountId: string) => {
        admitted.push(accountId);
        return Promise.resolve();
      },
    },
    audit: {
      record: (e) => {
        entries.push(e);
        return Promise.resolve(null);
      },
    },
    logger: recordingLogger().logger,
  });
}

describe("sharing: the node's own check of a holder's home before a first certificate", () => {
  const check = {
    idNumber: "320102199001011238",
    asker: system,
    divisionCode: "110100",
    caseReference: "发证前核验:65f0c0ffee0000000000abcd",
  };

  it("when the hub homes the person in 江苏, then the check answers 320000, asked as 本人申请 for the pass, logged for the system in the pass's division, and not counted against any account's limit", async () => {
    const entries: Entry[] = [];
    const admitted: string[] = [];
    const hub = aHub([aMatch()]);
    expect(await aService(hub.client, entries, admitted).homeOf(check)).to.equal("320000");
    expect(admitted).to.deep.equal([]);
    expect(hub.sent).to.deep.equal([
      {
        query: { by: "id_number", idNumber: check.idNumber },
        reason: "holder_request",
        caseReference: check.caseReference,
        officerId: "system",
        officerName: "系统",
      },
    ]);
    expect(entries.map((e) => e.action)).to.deep.equal(["hub.lookup", "hub.lookup_answered"]);
    for (const e of entries) expect(e).to.deep.include({ actor: system, divisionCode: "110100" });
    expect(entries[1]?.details).to.deep.include({
      lookupId: "lk-home",
      matches: 1,
      reason: "holder_request",
    });
  });

  it("when the hub knows nobody under the ID number, then the check answers null", async () => {
    const hub = aHub([]);
    expect(await aService(hub.client, [], []).homeOf(check)).to.equal(null);
  });
});
