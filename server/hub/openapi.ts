import { z } from "zod";
import {
  ChangesPage,
  ChangesQuery,
  CollectionBatch,
  CollectionReceipt,
  LookupAnswer,
  LookupBody,
  LookupNoticesPage,
  MAX_BATCH_RECORDS,
  QualificationRecord,
  StatusListReceipt,
} from "../contracts/hub.js";
import { AckBody, CaseBody, CaseReceipt, EndBody, InboxPage, InboxQuery, IssuedBody } from "../contracts/exchange.js";
import { SignedDocument } from "../contracts/certificates.js";
import { DocumentContent, MAX_DOCUMENT_BYTES } from "../contracts/exchange-documents.js";
import { ErrorBody } from "../contracts/errors.js";
import { StatusListIndex } from "./status-lists.js";

/**
 * The OpenAPI 3.1 documents of the hub's interfaces, generated from the same zod contracts the
 * routes validate with (one source of truth). `npm run openapi` writes them to docs/openapi/, a test
 * checks the committed files equal this output and pass a real OpenAPI validator.
 */
type Json = Record<string, unknown>;

function schema(s: z.ZodType, io: "input" | "output" = "input"): Json {
  const out = z.toJSONSchema(s, { target: "draft-2020-12", io, unrepresentable: "any" }) as Json;
  delete out.$schema;
  return out;
}

/**
 * An operation's query parameters from the zod schema its route parses (bounds and defaults
 * included), so the document cannot promise a bound the route does not keep. Hand-written, they
 * had already said nothing of the defaults.
 */
function queryParameters(query: z.ZodObject, descriptions: Record<string, string> = {}): Json[] {
  return Object.entries(query.shape).map(([name, field]) => ({
    name,
    in: "query",
    required: !(field as z.ZodType).safeParse(undefined).success,
    schema: schema(field as z.ZodType, "output"),
    ...(descriptions[name] ? { description: descriptions[name] } : {}),
  }));
}

/** What the hub answers on every refusal: the contract's one error body, so its published bounds are the real ones. */
const Refusal = z.object({ error: ErrorBody });

const SIGNING = `Every request and every response is signed per RFC 9421 (HTTP Message Signatures) with an
RFC 9530 \`Content-Digest\` (sha-256) over the exact body bytes (an empty body too).

Request signature \`sig1\` covers \`("@method" "@target-uri" "@authority" "content-digest")\` with the
parameters \`created\`, \`expires\` (at most 300 s after created), \`nonce\` (16–128 characters, never
reused), \`keyid\` (RFC 7638 JWK thumbprint of the node's Ed25519 key) and \`alg="ed25519"\`.
The receiver refuses a \`created\` more than the configured skew (default 120 s) from its clock.

Response signature \`sig1\` covers \`("@status" "content-digest" "@method";req "@target-uri";req
"signature";req;key="sig1")\` with \`created\`, \`keyid\` and \`alg="ed25519"\`: the answer is bound to the
request it answers. A replayed request (same key, nonce and signature) gets the stored original answer
and has no second effect; the same nonce with another signature is refused (\`nonce_reused\`).

Authentication failures answer 401/403 with a stable \`error.code\`: \`signature_missing\`,
\`signature_malformed\`, \`signature_components_missing\`, \`signature_params_missing\`,
\`signature_alg_unsupported\`, \`clock_skew\`, \`signature_expired\`, \`content_digest_mismatch\`,
\`unknown_key\`, \`signature_invalid\`, \`nonce_reused\`, \`node_suspended\`; 429 \`rate_limited\`.

Strict inputs: a query parameter an operation does not declare (any query on a POST), and a body
field its schema does not name (\`additionalProperties: false\`), are refused with 400
\`validation_failed\` naming the field, never ignored; the refusal is signed like any answer. The
signed formats (\`roadcert-signed/1\` envelopes, the \`roadcert-status-list/1\`,
\`roadcert-trust-list/1\` and \`roadcert-monthly-report/1\` bodies, certificate records) name
every field of their version: a reader refuses a document with one more, so a new field means a new
format version.`;

function signedHeaders(): Json[] {
  return ["Signature-Input", "Signature", "Content-Digest"].map((name) => ({
    name,
    in: "header",
    required: true,
    schema: { type: "string" },
    description: `RFC 9421 / RFC 9530 ${name} header (see the document description).`,
  }));
}

/** What every signed operation may answer whatever it does (the node gate's refusals). */
const GATE_REFUSALS: Record<string, string> = {
  "400": "Malformed request (validation_failed)",
  "401": "Node authentication failed (stable error.code, see description)",
  "403": "Node suspended (node_suspended)",
  "409": "The same nonce is still being processed (replay_in_progress)",
  "429": "Per-node rate limit (rate_limited)",
};

/**
 * A signed operation's answers: the gate's refusals, each joined by the operation's own codes for
 * the same status (`extra`, which the unit test openapi-codes.test.ts compares with the codes the
 * route's code throws). A route's own 403 or 409 used to replace the gate's description or be
 * left out.
 */
function responses(ok: z.ZodType, extra: Record<string, string> = {}): Json {
  const signed = {
    "Signature-Input": { schema: { type: "string" }, required: true },
    Signature: { schema: { type: "string" }, required: true },
    "Content-Digest": { schema: { type: "string" }, required: true },
  };
  const error = (description: string) => ({
    description,
    headers: signed,
    content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } },
  });
  const statuses = [...new Set([...Object.keys(GATE_REFUSALS), ...Object.keys(extra)])].sort();
  const description = (status: string) =>
    [GATE_REFUSALS[status], extra[status]].filter((d): d is string => d !== undefined).join("; ");
  return {
    "200": { description: "Signed answer", headers: signed, content: { "application/json": { schema: schema(ok, "output") } } },
    ...Object.fromEntries(statuses.map((status) => [status, error(description(status))])),
  };
}

/** A public operation's answers (unsigned transport: the document is signed by its own key). */
function publicResponses(description: string, ok: z.ZodType, refusals: Record<string, string> = {}): Json {
  return {
    "200": { description, content: { "application/json": { schema: schema(ok, "output") } } },
    ...Object.fromEntries(
      Object.entries(refusals).map(([status, d]) => [
        status,
        { description: d, content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } } },
      ]),
    ),
  };
}

function document(title: string, description: string, paths: Json): Json {
  return {
    openapi: "3.1.0",
    info: { title, version: "1.0.0", description: `${description}\n\n${SIGNING}` },
    servers: [{ url: "/api/hub/v1", description: "The national hub" }],
    paths,
    components: { schemas: { ErrorBody: schema(Refusal, "output") } },
  };
}

export function collectionDocument(): Json {
  // The route's own envelope (strict: no field beyond these two), with the records it checks one
  // by one (as unknown) documented in full.
  const Batch = CollectionBatch.extend({ records: z.array(QualificationRecord).min(1).max(MAX_BATCH_RECORDS) });
  return document(
    "roadcert 数据资源采集接口 (collection interface)",
    `A province publishes qualification records. Each record is validated and applied on its own
(accepted / duplicate: identical re-send, no effect / stale: older version, ignored / rejected with reasons);
only the practitioner's home province may write. More than ${MAX_BATCH_RECORDS} records: 413 batch_too_large.
A record rejected with the one reason \`conflict_retry\` lost a write race inside the hub: it was not judged and is
not counted against the province; send it again. The signed response is the receipt the province keeps.`,
    {
      "/collection/records": {
        post: {
          operationId: "publishRecords",
          summary: "Publish a batch of qualification records",
          parameters: signedHeaders(),
          requestBody: { required: true, content: { "application/json": { schema: schema(Batch) } } },
          responses: responses(CollectionReceipt, {
            "400": "Not a batch (invalid_batch)",
            "413": "More records than allowed (batch_too_large)",
          }),
        },
      },
      "/status-lists": {
        post: {
          operationId: "publishStatusList",
          summary: "Publish the province's signed certificate status list (roadcert-status-list/1 in roadcert-signed/1)",
          description: `Signed by one of the province's registered certificate keys (the keys on the national trust list);
the list's provinceCode must be the signing node's, and its encodedList must decode (multibase base64url of a GZIP
bitstring of at least 131,072 two-bit entries). An older list than the one held is answered stale; a refused list
never replaces the one held.`,
          parameters: signedHeaders(),
          requestBody: { required: true, content: { "application/json": { schema: schema(SignedDocument) } } },
          responses: responses(StatusListReceipt, {
            "400": "Not a signed status list (invalid_status_list)",
            "403": "The list belongs to another province than the signing node (provenance_mismatch)",
            "422":
              "Signing key not registered for this province (unknown_signing_key), bad signature (status_list_signature_invalid), " +
              "a bitstring that does not decode or is too short (status_list_bits_invalid), or generated more than 5 minutes ahead of the hub's clock (status_list_from_future)",
          }),
        },
      },
    },
  );
}

export function catalogDocument(): Json {
  const Cursor = queryParameters(ChangesQuery, { after: "Hub sequence cursor" });
  return document(
    "roadcert 数据资源目录服务接口 (catalog service interface)",
    `Lookups by ID number, name + ID number or certificate number. Every lookup names the officer, a reason
(filing, enforcement, employer_check, holder_request) and a case reference, or it is refused; each is logged
at the hub and shown to the practitioner's home province. employer_check answers mask the ID number and name.
Incremental download of changes to the practitioners homed in or filed with the asking province, by hub sequence.`,
    {
      "/catalog/lookups": {
        post: {
          operationId: "lookup",
          parameters: signedHeaders(),
          requestBody: { required: true, content: { "application/json": { schema: schema(LookupBody) } } },
          responses: responses(LookupAnswer),
        },
      },
      "/catalog/changes": {
        get: { operationId: "changes", parameters: [...signedHeaders(), ...Cursor], responses: responses(ChangesPage) },
      },
      "/catalog/lookup-notices": {
        get: { operationId: "lookupNotices", parameters: [...signedHeaders(), ...Cursor], responses: responses(LookupNoticesPage) },
      },
      "/trust-list": {
        get: {
          operationId: "trustList",
          summary: "The national trust list: every registered province's certificate keys, signed by the hub (public, unsigned transport)",
          description: "A roadcert-signed/1 document of a roadcert-trust-list/1 body, signed with the hub's key (GET /identity). Cache-Control max-age is its refresh interval.",
          responses: publicResponses("The signed trust list", SignedDocument),
        },
      },
      "/status-lists": {
        get: {
          operationId: "statusListIndex",
          summary: "Which provinces' status lists the hub holds, and how fresh each is (public)",
          responses: publicResponses("The index of held lists", StatusListIndex),
        },
      },
      "/status-lists/{provinceCode}": {
        get: {
          operationId: "statusList",
          summary: "A province's signed certificate status list, as the province signed it (public, unsigned transport)",
          description: "Verify it with the province's keys from the hub's signed trust list (GET /trust-list). Cache-Control max-age is the list's ttl.",
          parameters: [{ name: "provinceCode", in: "path", required: true, schema: { type: "string", pattern: "^[1-9]\\d0000$" } }],
          responses: publicResponses("The signed status list", SignedDocument, {
            "400": "Not a province code (validation_failed)",
            "404": "No list held for this province (status_list_not_found)",
          }),
        },
      },
    },
  );
}

export function exchangeDocument(): Json {
  const CaseId = { name: "caseId", in: "path", required: true, schema: { type: "string", pattern: "^[A-Za-z0-9-]{8,64}$" } };
  return document(
    "roadcert 跨省数据交换接口 (cross-province exchange interface)",
    `Province-to-province business through the hub: off-site filing (异地备案), transfer (转籍) and enforcement
notices (抄告). The sending province posts a case with its own caseId (a re-send of the identical case is answered
again with no second effect; different content under the same id: 409 case_conflict). The hub checks first the
catalog lookup it cites (reason \`filing\` for filings and transfers, \`enforcement\` for notices, made by the
sending province within 30 days and having found this practitioner; 422 lookup_mismatch otherwise, saying nothing
of the person), then its pointer index, and refuses with a stable code: 404 practitioner_unknown, 422
own_practitioner / identity_mismatch, 409 no_certificate / certificate_not_valid / already_filed (one open filing
per practitioner per filing division) / transfer_open. A notice may cite no lookup; if the hub cannot deliver such a
notice (practitioner unknown, the sender's own, or another name than the hub holds) it answers 422 lookup_required
whatever the reason, so that a notice nobody receives tells nothing of the person without a lookup on record.

Delivery is store and forward by PULL: the hub holds a message for the receiving province in its inbox until that
province asks GET /exchange/inbox with an \`after\` cursor at or past the message's seq, which confirms it stored it;
only then is a case \`delivered\` (and its sender told). Receivers apply each messageId once. States: sent → delivered →
acknowledged | problem (the home province's answer, POST /cases/{caseId}/answer, only by the province the case was
sent to: 403 not_case_recipient) → ended (a filing ended by its sender, POST /cases/{caseId}/end). A transfer's
acknowledgement carries the home province's signed certificate record (record + signature with its QR); the receiving
province verifies both signatures against the national trust list, issues its own certificate and reports it once with
POST /cases/{caseId}/issued (409 transfer_not_accepted / already_issued), which the home province receives as a state
message with \`issued\` and answers by cancelling its certificate (reason 转籍). Each case has an
answer deadline by kind (hub configuration); when it passes unanswered the case is marked overdue once and both
provinces receive a state message (escalation to the home province's province level).

An enforcement notice names its documents (PDF, JPEG or PNG, at most ${MAX_DOCUMENT_BYTES} bytes each, at most 10) by
name, media type, size and SHA-256 in its signed case body; their content follows, each in a signed POST
/cases/{caseId}/documents by the reporting province after the notice (403 not_case_sender; 422
document_digest_mismatch when the bytes, their type by magic bytes or their size do not match the notice's entry; 415
document_type_unsupported; 413 document_too_large; an identical re-send is answered again). Either province of the
case reads one with GET /cases/{caseId}/documents/{sha256} (409 document_pending until it arrived) and checks it
against the entry it received with the notice.`,
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
              "case_conflict (another case under this caseId) / no_certificate / certificate_not_valid / already_filed (one open filing per practitioner per filing division) / transfer_open",
            "422":
              "own_practitioner / identity_mismatch / lookup_mismatch / lookup_required (a notice citing no lookup that cannot be delivered, whatever the reason) / office_division_invalid (the officer's division is not a current division of the signing province)",
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
            "409": "already_answered / case_ended / no_valid_certificate (a transfer agreed with no certificate to issue from)",
            "422": "office_division_invalid / certificate_not_expected (a certificate with an answer to anything but a transfer)",
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
            "422": "office_division_invalid",
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
      "/exchange/cases/{caseId}/documents": {
        post: {
          operationId: "sendNoticeDocument",
          summary: "The reporting province sends the content of a document its notice names",
          parameters: [...signedHeaders(), CaseId],
          requestBody: { required: true, content: { "application/json": { schema: schema(DocumentContent) } } },
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
            { name: "sha256", in: "path", required: true, schema: { type: "string", pattern: "^[0-9a-f]{64}$" } },
          ],
          responses: responses(DocumentContent, { "404": "case_not_found / document_not_in_case", "409": "document_pending" }),
        },
      },
      "/exchange/inbox": {
        get: {
          operationId: "inbox",
          summary: "Messages held for the asking province after its cursor (asking confirms everything up to the cursor)",
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

export const OPENAPI_DOCUMENTS = { collection: collectionDocument, catalog: catalogDocument, exchange: exchangeDocument } as const;
