import { expect } from "chai";
import { DocumentParams, PenaltyDocument } from "../../../server/contracts/exchange-documents.js";
import {
  CaseBody,
  InboxMessage,
  NewFilingBody,
  NewNoticeBody,
  NewTransferBody,
} from "../../../server/contracts/exchange.js";
import { LookupAnswer, LookupNotice } from "../../../server/contracts/hub.js";

/**
 * A UUID is the same id in either case (RFC 9562 §4: compared case-insensitively, written in lower
 * case). Other provinces' software may send one in upper case; matched exactly, a lookup id so sent
 * was refused lookup_mismatch. Ids are put in lower case where they come in, hub and node alike.
 */
describe("exchange contracts: UUIDs and digests in upper case", () => {
  const lookupId = "6A0D3C57-3A52-4C2E-9A4F-2B8E1F6F0D21";
  const lower = lookupId.toLowerCase();
  const practitioner = { idNumber: "320102198503150019", name: "王备案" };
  const officer = { id: "bj-officer-1", name: "北京市业务员", divisionCode: "110100" };
  const notice = {
    caseNumber: "京交执罚〔2026〕118号",
    decidedOn: "2026-11-20",
    legalBasis: "第四十六条",
    facts: "超时驾驶",
    points: 3,
  };
  const sha = "AB".repeat(32);

  it("when a case sent to the hub cites its lookup in upper case, then the hub reads it in lower case, for each kind", () => {
    const filing = CaseBody.parse({
      caseId: "case-0001",
      kind: "transfer",
      lookupId,
      practitioner,
      officer,
      details: { reason: "迁居" },
    });
    expect(filing.lookupId).to.equal(lower);
    const n = CaseBody.parse({
      caseId: "case-0002",
      kind: "notice",
      lookupId,
      practitioner,
      officer,
      details: notice,
    });
    expect(n.lookupId).to.equal(lower);
  });

  it("when an officer's form sends the lookup in upper case, then the node reads it in lower case", () => {
    const filing = NewFilingBody.parse({
      lookupId,
      practitioner,
      details: {
        employer: { name: "北京顺达货运有限公司" },
        startDate: "2026-12-01",
        categoryCode: "02001",
        licence: { number: "110105199001011234", class: "A2" },
        contact: { phone: "010-88886666" },
      },
    });
    expect(filing.lookupId).to.equal(lower);
    expect(NewTransferBody.parse({ lookupId, practitioner, details: { reason: "迁居" } }).lookupId).to.equal(
      lower,
    );
    expect(NewNoticeBody.parse({ lookupId, practitioner, details: notice }).lookupId).to.equal(lower);
  });

  it("when the hub's answers name a lookup or a message in upper case, then the node reads them in lower case", () => {
    expect(LookupAnswer.parse({ lookupId, reason: "filing", matches: [] }).lookupId).to.equal(lower);
    const seen = LookupNotice.parse({
      seq: 1,
      lookupId,
      at: "2026-12-01T08:00:00.000Z",
      requestingProvince: "110000",
      officerId: "x",
      reason: "filing",
      caseReference: "r",
      idNumber: practitioner.idNumber,
    });
    expect(seen.lookupId).to.equal(lower);
    // A lookup id that is no UUID (another hub's own scheme) is kept as it came.
    expect(LookupAnswer.parse({ lookupId: "LK-2026-0001", reason: "filing", matches: [] }).lookupId).to.equal(
      "LK-2026-0001",
    );
    const message = InboxMessage.parse({
      seq: 1,
      messageId: lookupId,
      type: "state",
      at: "2026-11-21T08:00:00.000Z",
      caseId: "case-0001",
      kind: "filing",
      fromProvince: "110000",
      toProvince: "320000",
      state: "delivered",
      responsibleDivision: "320100",
      deadlineAt: "2026-12-21T08:00:00.000Z",
      overdue: false,
      body: null,
      ack: null,
      end: null,
    });
    expect(message.messageId).to.equal(lower);
  });

  it("when a notice names a document's SHA-256 in upper-case hex, then it is read in lower case, in the notice and in the path", () => {
    const doc = PenaltyDocument.parse({
      name: "处罚决定书.pdf",
      mediaType: "application/pdf",
      sha256: sha,
      bytes: 10,
    });
    expect(doc.sha256).to.equal(sha.toLowerCase());
    expect(DocumentParams.parse({ caseId: "case-0001", sha256: sha }).sha256).to.equal(sha.toLowerCase());
  });
});
