import { z } from "zod";
import {
  CertificateKeysAnnouncement,
  CertificateKeysReceipt,
  ChangesPage,
  ChangesQuery,
  CollectionBatch,
  CollectionReceipt,
  HubIdentity,
  LookupAnswer,
  LookupBody,
  LookupNoticesPage,
  MAX_BATCH_RECORDS,
  MAX_REJECT_REASONS,
  QualificationRecord,
  REJECT_CODE_LABELS,
  StatusListReceipt,
} from "../contracts/hub.js";
import { SignedDocument } from "../contracts/certificates.js";
import { PublishedReport, PublishedReportSummary, ReportMonth } from "../contracts/hub-report.js";
import { exchangeDocument } from "./openapi-exchange.js";
import { document, publicResponses, queryParameters, responses, schema, signedHeaders, type Json } from "./openapi-parts.js";
import { MAX_RECORDS_PER_PRACTITIONER } from "./record-validation.js";
import { StatusListIndex } from "./status-lists.js";

/** The rejection codes with their meanings, as the collection document lists them. */
const REJECT_CODES = Object.entries(REJECT_CODE_LABELS)
  .map(([code, label]) => `\`${code}\` (${label})`)
  .join(", ");

/**
 * The OpenAPI 3.1 documents of the hub's interfaces, generated from the same zod contracts the
 * routes validate with (one source of truth). `npm run openapi` writes them to docs/openapi/, a test
 * checks the committed files equal this output and pass a real OpenAPI validator.
 */
export function collectionDocument(): Json {
  // The route's own envelope (strict: no field beyond these two), with the records it checks one
  // by one (as unknown) documented in full.
  const Batch = CollectionBatch.extend({ records: z.array(QualificationRecord).min(1).max(MAX_BATCH_RECORDS) });
  return document(
    "roadcert 数据资源采集接口 (collection interface)",
    `A province publishes qualification records. Each record is validated and applied on its own
(accepted / duplicate: identical re-send, no effect / stale: older version, ignored / rejected with reasons);
only the practitioner's home province may write. More than ${MAX_BATCH_RECORDS} records: 413 batch_too_large.
The signed response is the receipt the province keeps.

A rejected record is given up to ${MAX_REJECT_REASONS} reasons, each a code of this closed list (a new code is a
new version of the interface): ${REJECT_CODES}. The record schema's field descriptions state the rule behind
each. A record rejected with the one reason \`conflict_retry\` lost a write race inside the hub: it was not
judged and is not counted against the province; send it again. A province holds at most
${MAX_RECORDS_PER_PRACTITIONER} records (record ids) of one practitioner: a new one beyond is rejected
\`too_many_records\`, updates of held records still apply.

The hub hashes each record it holds (\`recordHash\` in the receipt and in lookups) after normalising the
practitioner's name, so a province hashing the record as it sent it may get another hash: see
\`recordHash\` in the receipt's schema for exactly what is hashed.`,
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
      "/certificate-keys": {
        post: {
          operationId: "announceCertificateKeys",
          summary: "Announce the province's certificate signing keys ahead of signing with a new one",
          description: `Signed with the province's node key, so only for its own province. A key the hub does not list
is added, dated from no earlier than the hub's current time (bounds are kept as sent: instants, or days from
older nodes, a day meaning its UTC midnight); a listed key may be ended earlier, never later; nothing is removed. A kid the hub lists with another public key is refused (kid_in_use), as is a key beyond the most one
province may list (too_many_keys), each in the receipt's \`refused\`.`,
          parameters: signedHeaders(),
          requestBody: { required: true, content: { "application/json": { schema: schema(CertificateKeysAnnouncement) } } },
          responses: responses(CertificateKeysReceipt, {
            "404": "The signing province's node is no longer registered (not_found)",
            "409": "The registration changed meanwhile, three times over: send again (registration_conflict)",
          }),
        },
      },
      "/status-lists": {
        post: {
          operationId: "publishStatusList",
          summary: "Publish the province's signed certificate status list (roadcert-status-list/1 in roadcert-signed/1)",
          description: `Signed by one of the province's registered certificate keys (the keys on the national trust list),
not one retired before the list's generatedAt; the list's provinceCode must be the signing node's, and its encodedList
must decode (strict multibase base64url, no padding, of a GZIP bitstring of at least 131,072 two-bit entries). An older
list than the one held is answered stale; a refused list never replaces the one held.`,
          parameters: signedHeaders(),
          requestBody: { required: true, content: { "application/json": { schema: schema(SignedDocument) } } },
          responses: responses(StatusListReceipt, {
            "400": "Not a signed status list (invalid_status_list)",
            "403": "The list belongs to another province than the signing node (provenance_mismatch)",
            "422":
              "Signing key not registered for this province (unknown_signing_key), bad signature (status_list_signature_invalid), " +
              "signing key retired before the list's generatedAt (status_list_key_retired), " +
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
(filing, transfer, enforcement, employer_check, holder_request) and a case reference, or it is refused; each is logged
at the hub and shown to the practitioner's home province. employer_check answers mask the ID number and name.
Incremental download of changes to the practitioners homed in or filed with the asking province, by hub sequence.`,
    {
      "/identity": {
        get: {
          operationId: "hubIdentity",
          summary: "The hub's Ed25519 node key, which provinces pin (public, unsigned transport)",
          description: "Every answer the hub signs carries this key's keyId; the trust list and the published reports are signed with it.",
          responses: publicResponses("The hub's node key", HubIdentity, {
            "400": "A query parameter (validation_failed)",
          }),
        },
      },
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
          responses: publicResponses("The signed trust list", SignedDocument, {
            "400": "A query parameter (validation_failed)",
          }),
        },
      },
      "/status-lists": {
        get: {
          operationId: "statusListIndex",
          summary: "Which provinces' status lists the hub holds, and how fresh each is (public)",
          responses: publicResponses("The index of held lists", StatusListIndex, {
            "400": "A query parameter (validation_failed)",
          }),
        },
      },
      "/reports": {
        get: {
          operationId: "publishedReports",
          summary: "The monthly reports (月度通报) the hub has published, newest first (public)",
          responses: publicResponses("The published months", z.array(PublishedReportSummary), {
            "400": "A query parameter (validation_failed)",
          }),
        },
      },
      "/reports/{month}": {
        get: {
          operationId: "publishedReport",
          summary: "A published monthly report as signed (public, unsigned transport)",
          description: `A roadcert-signed/1 document: \`payload\` is base64url of the canonical JSON of the
roadcert-monthly-report/2 body (/1 for months published before each province's reporting status was
part of it), \`signature\` the hub's Ed25519 signature over those bytes with the key of GET
/identity. Verify it offline (npm run report:verify); it never changes once published.`,
          parameters: [{ name: "month", in: "path", required: true, schema: schema(ReportMonth) }],
          responses: publicResponses("The signed report", PublishedReport, {
            "400": "Not a month YYYY-MM, or a query parameter (validation_failed)",
            "404": "No report published for the month (report_not_published)",
          }),
        },
      },
      "/status-lists/{provinceCode}": {
        get: {
          operationId: "statusList",
          summary: "A province's signed certificate status list, as the province signed it (public, unsigned transport)",
          description: "Verify it with the province's keys from the hub's signed trust list (GET /trust-list). Cache-Control max-age is the list's ttl.",
          parameters: [{ name: "provinceCode", in: "path", required: true, schema: { type: "string", pattern: "^[1-9]\\d0000$" } }],
          responses: publicResponses("The signed status list", SignedDocument, {
            "400": "Not a province code, or a query parameter (validation_failed)",
            "404": "No list held for this province (status_list_not_found)",
          }),
        },
      },
    },
  );
}

export const OPENAPI_DOCUMENTS = { collection: collectionDocument, catalog: catalogDocument, exchange: exchangeDocument } as const;
