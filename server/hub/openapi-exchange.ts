import {
  AckBody,
  CaseBody,
  CaseReceipt,
  CaseSourceRecord,
  DisputeWithdrawalBody,
  EndBody,
  InboxPage,
  InboxQuery,
  IssuedBody,
  SourceEndedBody,
} from "../contracts/exchange.js";
import { DocumentContent, MAX_DOCUMENT_BYTES } from "../contracts/exchange-documents.js";
import { document, queryParameters, responses, schema, signedHeaders, type Json } from "./openapi-parts.js";

/** The exchange interface's OpenAPI document (see openapi.ts). */
export function exchangeDocument(): Json {
  const CaseId = {
    name: "caseId",
    in: "path",
    required: true,
    schema: { type: "string", pattern: "^[A-Za-z0-9-]{8,64}$" },
  };
  return document(
    "roadcert 跨省数据交换接口 (cross-province exchange interface)",
    `Province-to-province business through the hub: off-site filing (异地备案), transfer (转籍) and enforcement
notices (抄告). The sending province posts a case with its own caseId (a re-send of the identical case is answered
again with no second effect; different content under the same id: 409 case_conflict). The hub checks first the
catalog lookup it cites (reason \`filing\` for filings, \`transfer\` for transfers, which also take \`filing\` as software
written before \`transfer\` existed sends, \`enforcement\` for notices, made by the
sending province within 30 days and having found this practitioner; 422 lookup_mismatch otherwise, saying nothing
of the person), then its pointer index, and refuses with a stable code: 404 practitioner_unknown, 422
own_practitioner / identity_mismatch, 409 no_certificate / certificate_not_valid / certificate_expired (validTo before
the filing's or transfer's calendar day in Beijing, though not yet cancelled) / already_filed (one open filing
per practitioner per filing division) / transfer_open (one open transfer per practitioner per sending province;
two provinces' transfers may be open at once, and once the home agrees to one, its agreement to another is refused
home_moved) / notice_duplicate (an open notice of the sending province already reports this practitioner's penalty
decision number, details.caseNumber; the message names that case) / lookup_used (the cited lookup backed a transfer the home answered with a problem: look the
practitioner up again). A notice may cite no lookup; if the hub cannot deliver such a
notice (practitioner unknown, the sender's own, or another name than the hub holds) it answers 422 lookup_required
whatever the reason, so that a notice nobody receives tells nothing of the person without a lookup on record.

Delivery is store and forward by PULL: the hub holds a message for the receiving province in its inbox until that
province asks GET /exchange/inbox with an \`after\` cursor at or past the message's seq, which confirms it stored it;
only then is a case \`delivered\` (and its sender told). Receivers apply each messageId once. States: sent → delivered →
acknowledged | problem (the home province's answer, POST /cases/{caseId}/answer, only by the province the case was
sent to: 403 not_case_recipient; a filing answered with a problem no longer sends the filing province the
practitioner's changes, unless it holds another filing of them not disputed) → ended (a filing ended or a transfer withdrawn by its sender, or a notice withdrawn
by its sender once disputed, POST /cases/{caseId}/end; any other notice 409 not_endable). UUIDs (lookupId, messageId)
and SHA-256 hex digests are accepted in either case and kept in lower case. A transfer's
acknowledgement carries the home province's signed certificate record (record + signature with its QR); the receiving
province verifies both signatures against the national trust list, issues its own certificate and reports it once with
POST /cases/{caseId}/issued (409 transfer_not_accepted / already_issued), which the home province receives as a state
message with \`issued\` and answers by cancelling its certificate (reason 转籍). If its certificate had been revoked or
withdrawn meanwhile (a revocation racing the transfer), it cancels nothing and tells the receiving province once with
POST /cases/{caseId}/source-ended (status, when and why it ended), which the receiving province receives as a state
message with \`sourceEnded\` for its officers to decide on the certificate they issued; nothing changes there by itself.
The receiving province issues only on a hub copy of the home's status list made since the hub took the agreement (the
time of the state message that brought it), so the home pushes its list at once when the hub has taken its agreement.
A transfer agreed without a signed certificate (the home keeps only a register entry, held at the hub) carries the
hub's record of it instead (\`sourceRecord\`); the receiving province reads the hub's current record with GET
/cases/{caseId}/source-record when it issues, and issues only while it is still the one agreed (the home may have revoked or corrected it since).
Each case has an answer deadline by kind (hub configuration); when it passes unanswered the case is marked overdue once and both
provinces receive a state message (escalation to the home province's province level).

An enforcement notice names its documents (PDF, JPEG or PNG, at most ${MAX_DOCUMENT_BYTES} bytes each, at most 10) by
name, media type, size and SHA-256 in its signed case body; their content follows, each in a signed POST
/cases/{caseId}/documents by the reporting province after the notice (403 not_case_sender; 422
document_digest_mismatch when the bytes, their type by magic bytes or their size do not match the notice's entry; 415
document_type_unsupported; 413 document_too_large; an identical re-send is answered again). Either province of the
case reads one with GET /cases/{caseId}/documents/{sha256} (409 document_pending until it arrived) and checks it
against the entry it received with the notice.

Free text the other province's officers read (names, a notice's case number, legal basis and facts, a transfer's
or an ending's reason, an answer's note, officer ids, licence numbers, serials) must not hold invisible characters:
control characters, format characters (zero-width spaces and joiners, bidirectional controls) and line or paragraph
separators are refused with 400 validation_failed naming the field; line breaks and tabs are text in the multi-line
fields (facts, reasons, note). Messages the hub took before it refused such text reach the inbox with those
characters removed, names included (an officer's, an employer's, an authority's, the practitioner's, and those of a
\`sourceRecord\`, here and from GET /cases/{caseId}/source-record).

Dates are Beijing dates (UTC+8), checked against the hub's clock as the collection interface checks its own: a
notice's decidedOn after today, a filing's startDate more than 30 days after today and an endDate after today are
refused 422 future_date, a filing's endDate before its startDate 422 invalid_date. Messages the hub already holds
reach the inbox as they are.`,
    {
      "/exchange/cases": {
        post: {
          operationId: "submitCase",
          summary: "Send a filing, transfer or enforcement notice to the practitioner's home province",
          parameters: signedHeaders(),
          requestBody: { required: true, content: { "application/json": { schema: schema(CaseBody) } } },
          responses: responses(CaseReceipt, {
            "404": "practitioner_unknown",
            "409":
              "case_conflict (another case under this caseId) / no_certificate / certificate_not_valid / certificate_expired (validTo before the case's Beijing calendar day) / already_filed (one open filing per practitioner per filing division) / transfer_open (one open transfer per practitioner per sending province) / notice_duplicate (an open notice of the sending province already reports this penalty decision number) / lookup_used (the lookup backed a transfer the home answered with a problem)",
            "422":
              "own_practitioner / identity_mismatch / lookup_mismatch / lookup_required (a notice citing no lookup that cannot be delivered, whatever the reason) / office_division_invalid (the officer's division is not a current division of the signing province) / future_date (a notice's decidedOn after today, a filing's startDate more than 30 days after today, Beijing dates)",
          }),
        },
      },
      "/exchange/cases/{caseId}/answer": {
        post: {
          operationId: "answerCase",
          summary: "The home province acknowledges a case or raises a problem",
          parameters: [...signedHeaders(), CaseId],
          requestBody: { required: true, content: { "application/json": { schema: schema(AckBody) } } },
          responses: responses(CaseReceipt, {
            "403": "not_case_recipient (only the province the case was sent to answers it)",
            "404": "case_not_found",
            "409":
              "already_answered / case_ended / no_valid_certificate (a transfer agreed with no certificate to issue from) / home_moved (a transfer agreed while the hub no longer holds the answering province as the practitioner's home: nothing is recorded)",
            "422":
              "office_division_invalid / certificate_not_expected (a certificate with an answer to anything but a transfer)",
          }),
        },
      },
      "/exchange/cases/{caseId}/end": {
        post: {
          // The operation id stays: tools written against earlier documents name it.
          operationId: "endFiling",
          summary:
            "The sending province ends a filing, or withdraws a transfer not yet issued on (an agreed one gives the practitioner back to the home province)",
          parameters: [...signedHeaders(), CaseId],
          requestBody: { required: true, content: { "application/json": { schema: schema(EndBody) } } },
          responses: responses(CaseReceipt, {
            "403": "not_case_sender (only the province that sent the case ends it)",
            "404": "case_not_found",
            "409": "not_endable / already_issued / case_ended / case_busy",
            "422":
              "office_division_invalid / future_date (endDate after today, a Beijing date) / invalid_date (a filing's endDate before its startDate)",
          }),
        },
      },
      "/exchange/cases/{caseId}/dispute-withdrawal": {
        post: {
          operationId: "withdrawNoticeDispute",
          summary:
            "The home province takes back its dispute of a notice (撤回异议): the notice is delivered and unanswered again, and the sender is told",
          parameters: [...signedHeaders(), CaseId],
          requestBody: {
            required: true,
            content: { "application/json": { schema: schema(DisputeWithdrawalBody) } },
          },
          responses: responses(CaseReceipt, {
            "403": "not_case_recipient (only the home province that disputed the notice takes it back)",
            "404": "case_not_found",
            "409": "not_a_notice / not_disputed / case_ended",
            "422": "office_division_invalid (the officer is not a current division of the signing province)",
          }),
        },
      },
      "/exchange/cases/{caseId}/issued": {
        post: {
          operationId: "reportTransferIssued",
          summary: "The receiving province reports the certificate it issued on an agreed transfer",
          parameters: [...signedHeaders(), CaseId],
          requestBody: { required: true, content: { "application/json": { schema: schema(IssuedBody) } } },
          responses: responses(CaseReceipt, {
            "403": "not_case_sender (only the province that asked for the transfer reports its issue)",
            "404": "case_not_found",
            "409": "not_a_transfer / transfer_not_accepted / already_issued",
            "422":
              "office_division_invalid (the issuing authority or officer is not a current division of the signing province) / identity_mismatch (the certificate number is not the transferred practitioner's)",
          }),
        },
      },
      "/exchange/cases/{caseId}/source-ended": {
        post: {
          operationId: "reportTransferSourceEnded",
          summary:
            "The former home province says its certificate had been revoked or withdrawn before the issuance notice of the transfer reached it",
          parameters: [...signedHeaders(), CaseId],
          requestBody: {
            required: true,
            content: { "application/json": { schema: schema(SourceEndedBody) } },
          },
          responses: responses(CaseReceipt, {
            "403": "not_case_recipient (only the province the transfer was asked of tells it)",
            "404": "case_not_found",
            "409":
              "not_a_transfer / transfer_not_issued (nothing issued on the transfer yet) / source_ended_reported (said already, differently)",
            "422": "identity_mismatch (the certificate number is not the transferred practitioner's)",
          }),
        },
      },
      "/exchange/cases/{caseId}/source-record": {
        get: {
          operationId: "readTransferSourceRecord",
          summary:
            "The receiving province reads the hub's current record of the home province's certificate on an agreed transfer, before it issues from the record that came with the agreement",
          parameters: [...signedHeaders(), CaseId],
          responses: responses(CaseSourceRecord, {
            "403": "not_case_sender (only the province that asked for the transfer reads it)",
            "404": "case_not_found",
            "409": "not_a_transfer / case_ended / transfer_not_accepted",
          }),
        },
      },
      "/exchange/cases/{caseId}/documents": {
        post: {
          operationId: "sendNoticeDocument",
          summary: "The reporting province sends the content of a document its notice names",
          parameters: [...signedHeaders(), CaseId],
          requestBody: {
            required: true,
            content: { "application/json": { schema: schema(DocumentContent) } },
          },
          responses: responses(CaseReceipt, {
            "400": "document_empty / invalid_base64 (dataBase64 is not canonical base64)",
            "403": "not_case_sender",
            "404": "case_not_found / document_not_in_case",
            "413": "document_too_large",
            "415": "document_type_unsupported",
            "422": "document_digest_mismatch",
          }),
        },
      },
      "/exchange/cases/{caseId}/documents/{sha256}": {
        get: {
          operationId: "readNoticeDocument",
          summary: "Either province of a notice reads one of its documents",
          parameters: [
            ...signedHeaders(),
            CaseId,
            {
              name: "sha256",
              in: "path",
              required: true,
              schema: { type: "string", pattern: "^[0-9a-f]{64}$" },
            },
          ],
          responses: responses(DocumentContent, {
            "404": "case_not_found / document_not_in_case",
            "409": "document_pending",
          }),
        },
      },
      "/exchange/inbox": {
        get: {
          operationId: "inbox",
          summary:
            "Messages held for the asking province after its cursor (asking confirms everything up to the cursor)",
          parameters: [
            ...signedHeaders(),
            ...queryParameters(InboxQuery, {
              after: "Inbox cursor: the highest seq stored",
              wait: "Long poll: with nothing after the cursor, wait up to this many ms for the next message",
            }),
          ],
          responses: responses(InboxPage),
        },
      },
    },
  );
}
