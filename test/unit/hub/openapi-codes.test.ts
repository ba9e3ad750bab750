import { readFileSync } from "node:fs";
import { expect } from "chai";
import { OPENAPI_DOCUMENTS } from "../../../server/hub/index.js";

/**
 * The hub's OpenAPI documents against what its routes can answer: every route a province node can
 * call is documented, and every stable error code a route's code can throw is listed under the
 * status it is answered with. The codes are read from the source the route runs (the regions
 * named below), so a new refusal the document does not list fails here.
 */

type Operation = { responses?: Record<string, { description?: string }> };
type Paths = Record<string, Record<string, Operation>>;

/** A stretch of a source file: from the first `from` to the next `to` after it (or the file's end). */
interface Region {
  file: string;
  from: string;
  to?: string;
}

const root = new URL("../../../", import.meta.url);
const source = (file: string) => readFileSync(new URL(file, root), "utf8");

function regionText(r: Region): string {
  const text = source(r.file);
  const start = text.indexOf(r.from);
  if (start < 0) throw new Error(`${r.file}: "${r.from}" not found (the table below names the route's code)`);
  const end = r.to === undefined ? text.length : text.indexOf(r.to, start + r.from.length);
  if (end < 0) throw new Error(`${r.file}: "${r.to}" not found after "${r.from}"`);
  return text.slice(start, end);
}

const STATUS_OF = {
  badRequest: 400,
  unauthorized: 401,
  forbidden: 403,
  notFound: 404,
  conflict: 409,
  unprocessable: 422,
  tooMany: 429,
} as const;
const DEFAULT_CODE: Partial<Record<keyof typeof STATUS_OF, string>> = {
  unauthorized: "unauthenticated",
  forbidden: "forbidden",
  notFound: "not_found",
  tooMany: "too_many_requests",
};

/** Every `status code` pair thrown in `text` through the one error type (errors.* or new AppError). */
function thrownCodes(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/errors\.(badRequest|conflict|unprocessable)\(\s*"([a-z0-9_]+)"/g))
    found.add(`${STATUS_OF[m[1] as keyof typeof STATUS_OF]} ${m[2]}`);
  // The message first, the code (optional) second.
  for (const m of text.matchAll(
    /errors\.(forbidden|notFound|unauthorized|tooMany)\(\s*(?:"[^"]*"|`[^`]*`|'[^']*')?\s*(?:,\s*"([a-z0-9_]+)")?/g,
  )) {
    const kind = m[1] as keyof typeof STATUS_OF;
    found.add(`${STATUS_OF[kind]} ${m[2] ?? DEFAULT_CODE[kind] ?? ""}`);
  }
  for (const m of text.matchAll(/new AppError\(\s*"([a-z0-9_]+)",\s*(\d{3})/g)) found.add(`${m[2]} ${m[1]}`);
  return [...found].sort();
}

const HUB = "server/hub/";
const EXCHANGE = "server/exchange/";
const OWN_OFFICE: Region = {
  file: `${EXCHANGE}office-division.ts`,
  from: "export function assertOwnOffice(",
};
const CASE_FOR: Region = {
  file: `${EXCHANGE}hub-exchange.service.ts`,
  from: "async function caseFor(",
  to: "return {",
};
const DOCUMENT_CASE_FOR: Region = {
  file: `${EXCHANGE}hub-documents.ts`,
  from: "async function caseFor(",
  to: "return {",
};

/** Each route a province node calls, by its documented method and path, and the code it runs. */
const ROUTES: Record<string, Region[]> = {
  "post /collection/records": [
    { file: `${HUB}collection.service.ts`, from: "async ingest(", to: "async rejections(" },
  ],
  "post /status-lists": [{ file: `${HUB}status-lists.ts`, from: "async publish(", to: "async get(" }],
  "post /certificate-keys": [
    { file: `${HUB}registry.service.ts`, from: "async announceCertificateKeys(", to: "async setStatus(" },
  ],
  "get /identity": [{ file: `${HUB}hub.routes.ts`, from: "/identity`", to: "/openapi/:name.json`" }],
  "get /reports": [
    { file: `${HUB}report/report.routes.ts`, from: '"/hub/v1/reports"', to: '"/hub/v1/reports/:month"' },
  ],
  "get /reports/{month}": [
    { file: `${HUB}report/report.routes.ts`, from: '"/hub/v1/reports/:month"' },
    { file: `${HUB}report/publication.service.ts`, from: "async get(" },
  ],
  "post /catalog/lookups": [
    { file: `${HUB}catalog.service.ts`, from: "async lookup(", to: "async changes(" },
  ],
  "get /catalog/changes": [
    { file: `${HUB}catalog.service.ts`, from: "async changes(", to: "async lookupNotices(" },
  ],
  "get /catalog/lookup-notices": [
    { file: `${HUB}catalog.service.ts`, from: "async lookupNotices(", to: "async recentLookups(" },
  ],
  "get /trust-list": [{ file: `${HUB}hub.routes.ts`, from: "/trust-list`", to: "/status-lists`" }],
  "get /status-lists": [
    { file: `${HUB}hub.routes.ts`, from: "/status-lists`", to: "/status-lists/:provinceCode`" },
  ],
  "get /status-lists/{provinceCode}": [
    { file: `${HUB}hub.routes.ts`, from: "/status-lists/:provinceCode`", to: "/docs`" },
  ],
  "post /exchange/cases": [
    { file: `${EXCHANGE}hub-case-check.ts`, from: "const noticeNeedsLookup", to: "export function" },
    { file: `${EXCHANGE}hub-case-check.ts`, from: "return async function check(" },
    { file: `${EXCHANGE}hub-exchange.service.ts`, from: "async submit(", to: "async answer(" },
    OWN_OFFICE,
  ],
  "post /exchange/cases/{caseId}/answer": [
    CASE_FOR,
    { file: `${EXCHANGE}hub-exchange.service.ts`, from: "async answer(", to: "async issued(" },
    OWN_OFFICE,
  ],
  "post /exchange/cases/{caseId}/issued": [
    CASE_FOR,
    { file: `${EXCHANGE}hub-exchange.service.ts`, from: "async issued(", to: "async sourceEnded(" },
    OWN_OFFICE,
  ],
  "post /exchange/cases/{caseId}/source-ended": [
    CASE_FOR,
    { file: `${EXCHANGE}hub-exchange.service.ts`, from: "async sourceEnded(", to: "...createHubCaseEnd(" },
  ],
  "post /exchange/cases/{caseId}/end": [
    CASE_FOR,
    // Split out of hub-exchange.service.ts (6b1b732a): the whole of end() is in hub-case-end.ts.
    { file: `${EXCHANGE}hub-case-end.ts`, from: "async end(" },
    OWN_OFFICE,
  ],
  // 撤回异议, composed into hub-exchange.service.ts from hub-case-dispute.ts (its refusals, then withdrawDispute).
  "post /exchange/cases/{caseId}/dispute-withdrawal": [
    CASE_FOR,
    { file: `${EXCHANGE}hub-case-dispute.ts`, from: "export const disputeRefusals" },
    OWN_OFFICE,
  ],
  "post /exchange/cases/{caseId}/documents": [
    DOCUMENT_CASE_FOR,
    { file: `${EXCHANGE}hub-documents.ts`, from: "async receive(", to: "async give(" },
    {
      file: `${EXCHANGE}documents.ts`,
      from: "export function readDocument(",
      to: "export function documentEntry(",
    },
    { file: "server/lib/base64.ts", from: "export function base64Refusal(" },
  ],
  "get /exchange/cases/{caseId}/documents/{sha256}": [
    DOCUMENT_CASE_FOR,
    { file: `${EXCHANGE}hub-documents.ts`, from: "async give(" },
  ],
  "get /exchange/cases/{caseId}/source-record": [
    CASE_FOR,
    { file: `${EXCHANGE}hub-exchange.service.ts`, from: "async sourceRecord(", to: "...createHubCaseUpkeep" },
  ],
  "get /exchange/inbox": [{ file: `${EXCHANGE}hub-inbox.ts`, from: "" }],
};

/** The documented operation for `route` ("post /x"), in whichever document holds it. */
function operationOf(route: string, documents = OPENAPI_DOCUMENTS): Operation | undefined {
  const [method, path] = route.split(" ") as [string, string];
  for (const build of Object.values(documents)) {
    const op = (build().paths as Paths)[path]?.[method];
    if (op) return op;
  }
  return undefined;
}

/** The codes `route` can throw that its document does not list under their status. */
function undocumented(route: string, documents = OPENAPI_DOCUMENTS): string[] {
  const op = operationOf(route, documents);
  if (!op) return [`${route}: not documented at all`];
  const codes = thrownCodes(ROUTES[route]!.map(regionText).join("\n"));
  return codes
    .filter((pair) => {
      const [status, code] = pair.split(" ") as [string, string];
      return !new RegExp(`\\b${code}\\b`).test(op.responses?.[status]?.description ?? "");
    })
    .map((pair) => `${route}: ${pair}`);
}

/**
 * The routes a province node can call, as hub.routes.ts, hub-exchange.routes.ts and the published
 * reports' router (report.routes.ts) register them.
 */
function registeredRoutes(): string[] {
  const node = regionText({
    file: `${HUB}hub.routes.ts`,
    from: "export function hubNodeRouter(",
    to: "const ListQuery",
  });
  const exchange = regionText({
    file: `${EXCHANGE}hub-exchange.routes.ts`,
    from: "export function hubExchangeNodeRouter(",
    to: "const CasesQuery",
  });
  const reports = regionText({
    file: `${HUB}report/report.routes.ts`,
    from: "export function reportPublicRouter(",
  });
  const paths = (text: string, prefix: string) =>
    [...text.matchAll(/\b(?:r|signed)\.(get|post)\(\s*[`"]([^`"]+)[`"]/g)].map(
      (m) =>
        `${m[1]} ${prefix}${m[2]!
          .replace("${HUB_API_PREFIX}", "")
          .replace(/^\/hub\/v1/, "")
          .replace(/:([A-Za-z0-9]+)(\.json)?/g, "{$1}$2")}`,
    );
  // The documents themselves and their page describe the interface, they are not part of it.
  const about = new Set(["get /openapi/{name}.json", "get /docs"]);
  return [...paths(node, ""), ...paths(exchange, "/exchange"), ...paths(reports, "")]
    .filter((r) => !about.has(r))
    .sort();
}

describe("hub OpenAPI documents against the codes their routes answer", () => {
  it("when a province node can call a route, then a document describes it (and the table below names its code)", () => {
    const routes = registeredRoutes();
    expect(routes).to.include.members([
      "get /trust-list",
      "get /status-lists",
      "get /identity",
      "get /reports/{month}",
    ]);
    expect(routes.filter((r) => !operationOf(r))).to.deep.equal([]);
    expect(routes).to.deep.equal(Object.keys(ROUTES).sort());
  });

  it("when a route can refuse with a stable code, then its document lists the code under the status it answers with", () => {
    expect(Object.keys(ROUTES).flatMap((route) => undocumented(route))).to.deep.equal([]);
  });

  it("when the exchange routes refuse, then the codes the audit found missing are among those read from their code", () => {
    const read = (route: string) => thrownCodes(ROUTES[route]!.map(regionText).join("\n"));
    expect(read("post /exchange/cases/{caseId}/answer")).to.include.members([
      "403 not_case_recipient",
      "422 certificate_not_expected",
    ]);
    expect(read("post /exchange/cases/{caseId}/issued")).to.include.members([
      "403 not_case_sender",
      "409 not_a_transfer",
      "422 identity_mismatch",
    ]);
    expect(read("post /exchange/cases/{caseId}/end")).to.include.members(["403 not_case_sender"]);
    expect(read("post /exchange/cases/{caseId}/dispute-withdrawal")).to.include.members([
      "403 not_case_recipient",
      "409 not_a_notice",
      "409 not_disputed",
      "409 case_ended",
    ]);
    expect(read("post /exchange/cases")).to.include.members([
      "409 case_conflict",
      "409 already_filed",
      "409 transfer_open",
      "409 notice_duplicate",
      "409 lookup_used",
      "409 no_certificate",
      "409 certificate_not_valid",
    ]);
    expect(read("post /status-lists")).to.include.members([
      "400 invalid_status_list",
      "403 provenance_mismatch",
      "422 status_list_from_future",
    ]);
  });

  it("when a document leaves out a code its route throws, then the check names it (it can fail)", () => {
    const withoutCode = {
      ...OPENAPI_DOCUMENTS,
      collection: () => {
        const doc = OPENAPI_DOCUMENTS.collection();
        const op = (doc.paths as Paths)["/status-lists"]!.post!;
        op.responses = { ...op.responses, "403": { description: "node_suspended" } };
        return doc;
      },
    };
    expect(undocumented("post /status-lists", withoutCode)).to.deep.equal([
      "post /status-lists: 403 provenance_mismatch",
    ]);
    expect(
      thrownCodes(
        'throw errors.forbidden("只有…", "not_case_sender"); throw errors.notFound(`该${x}`); new AppError(\n "x_y",\n 413,',
      ),
    ).to.deep.equal(["403 not_case_sender", "404 not_found", "413 x_y"]);
  });

  it("when the collection batch is documented, then it is as strict as the route: no field beyond batchId and records", () => {
    const op = (
      OPENAPI_DOCUMENTS.collection().paths as Record<
        string,
        Record<string, { requestBody: { content: Record<string, { schema: Record<string, unknown> }> } }>
      >
    )["/collection/records"]!.post!;
    const batch = op.requestBody.content["application/json"]!.schema;
    expect(batch.additionalProperties).to.equal(false);
    expect(Object.keys(batch.properties as object)).to.deep.equal(["batchId", "records"]);
    // The records themselves are documented in full, though the route checks each on its own.
    expect(
      (batch.properties as { records: { items: { additionalProperties?: boolean } } }).records.items
        .additionalProperties,
    ).to.equal(false);
  });
});
