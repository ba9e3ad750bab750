import { z } from "zod";
import { ErrorBody } from "../contracts/errors.js";
import { MAX_BODY_DEPTH } from "../lib/http.js";

/**
 * The largest request body the HTTP layer reads (express.json's "2mb" in app.ts): beyond it the
 * request is refused before the node gate. An integration test sends one byte more and one byte
 * less (openapi-truth.test.ts), so this figure cannot drift from what runs unseen.
 */
export const MAX_REQUEST_BODY_BYTES = 2 * 1024 * 1024;

/**
 * What every OpenAPI document of the hub shares (openapi.ts, openapi-exchange.ts): JSON Schema
 * from the zod contracts, the signing rules, the gate's refusals and the shape of an operation's
 * answers.
 */
export type Json = Record<string, unknown>;

export function schema(s: z.ZodType, io: "input" | "output" = "input"): Json {
  const out = z.toJSONSchema(s, { target: "draft-2020-12", io, unrepresentable: "any" }) as Json;
  delete out.$schema;
  return out;
}

/**
 * An operation's query parameters from the zod schema its route parses (bounds and defaults
 * included), so the document cannot promise a bound the route does not keep. Hand-written, they
 * had already said nothing of the defaults.
 */
export function queryParameters(query: z.ZodObject, descriptions: Record<string, string> = {}): Json[] {
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
The receiver refuses a \`created\` more than the configured skew (default 120 s) from its clock
(\`clock_skew\`), and an \`expires\` more than that skew behind its clock (\`signature_expired\`): a
sender whose clock runs behind by up to the skew is served whatever lifetime it signed.
\`@target-uri\` must name the receiver's own public origin (the hub's published URL, the provinces'
\`HUB_URL\`; scheme and host compared case-insensitively, default ports left out) and the path sent:
a request signed for another address (another hub, a staging hub) is refused 401 \`wrong_audience\`
before its nonce is kept, and is carried out nowhere but where it was addressed.

Response signature \`sig1\` covers \`("@status" "content-digest" "@method";req "@target-uri";req
"signature";req;key="sig1")\` with \`created\`, \`keyid\` and \`alg="ed25519"\`: the answer is bound to the
request it answers. A replayed request (same key, nonce and signature) gets the stored original answer
and has no second effect; the same nonce with another signature is refused (\`nonce_reused\`).

Authentication failures answer 401/403 with a stable \`error.code\`: \`signature_missing\`,
\`signature_malformed\`, \`signature_components_missing\`, \`signature_params_missing\`,
\`signature_alg_unsupported\`, \`clock_skew\`, \`signature_expired\`, \`content_digest_mismatch\`,
\`unknown_key\`, \`signature_invalid\`, \`wrong_audience\`, \`nonce_reused\`, \`node_suspended\`.
An answer is signed (and bound to its request with \`;req\`) only when the request's signature
verified under a registered key: \`wrong_audience\`, \`nonce_reused\` and \`node_suspended\` are
signed; every other 401 is NOT signed (no \`Signature-Input\` or \`Signature\`; a \`Content-Digest\`
over its body), as its request may have been changed on the way: a sender must not take it as the
hub's word (it is no more than a failed delivery; send again with a new nonce). An \`unknown_key\`
is signed only in the rare case that the key was withdrawn while its signature was checked. 429
\`rate_limited\` when the node sent more than its per-minute limit, with \`error.details.retryAfterSeconds\`
(whole seconds, at least 1, until the node's limit admits a message again) and the same number in
\`Retry-After\`. The header is not among the signed components; the body that carries the number is.
Send again after the wait with a new nonce: the refused one keeps its 429 answer. The limit is
counted per node key by each hub instance (the collection, catalog and exchange interfaces of one
instance share one count); behind a load balancer with several instances a node may send up to the
limit to each.

500 \`internal_error\` when the hub fails on a request: signed when the request's signature
verified (the nonce is released, so the same signed request may be sent again), unsigned when the
hub failed before it could check the signature.

Refusals before authentication, NOT signed: a request path that is not valid percent-encoding is
refused 400 \`invalid_path_encoding\`; the HTTP layer reads a JSON body (\`Content-Type:
application/json\`) before the node gate checks the signature, and refuses what it cannot read with
400 \`invalid_json\` (the body is not JSON), 400 \`body_too_deep\` (nested deeper than ${MAX_BODY_DEPTH}
levels), 413 \`payload_too_large\` (a body of more than ${MAX_REQUEST_BODY_BYTES.toLocaleString("en")} bytes) or
\`bad_request\` (400: an unsupported charset; 415: any \`Content-Encoding\` but \`identity\` — a body
is never decompressed, as the digest is over the bytes sent). These answers are not signed
(no \`Signature-Input\`, \`Signature\` or \`Content-Digest\`), carry the one error body, are not
written to the hub's message log and are not stored against the nonce, which stays unused: correct
the request and send it signed again. Every other answer to a request whose signature verified,
every refusal included, is signed.
A correctly signed request for a path or method the hub has not got (paths are matched exactly: no
trailing slash, case-sensitive) is refused 404 \`route_not_found\`, signed, logged and stored
against its nonce like any answer.

Strict inputs: a query parameter an operation does not declare (any query on a POST), and a body
field its schema does not name (\`additionalProperties: false\`), are refused with 400
\`validation_failed\` naming the field, never ignored; the refusal is signed like any answer. The
signed formats (\`roadcert-signed/1\` envelopes, the \`roadcert-status-list/1\`,
\`roadcert-trust-list/1\` and \`roadcert-monthly-report/2\` bodies, certificate records) name
every field of their version: a reader refuses a document with one more, so a new field means a new
format version.`;

export function signedHeaders(): Json[] {
  return ["Signature-Input", "Signature", "Content-Digest"].map((name) => ({
    name,
    in: "header",
    required: true,
    schema: { type: "string" },
    description: `RFC 9421 / RFC 9530 ${name} header (see the document description).`,
  }));
}

/**
 * What the HTTP layer answers to a body it cannot read, before the node gate: unsigned (see
 * SIGNING). Joined to the 400, 413 and 415 answers of every documented POST by `document`.
 */
const BODY_REFUSALS: Record<string, string> = {
  "400": `invalid_json (unsigned: the body is not JSON) / body_too_deep (unsigned: nested deeper than ${MAX_BODY_DEPTH} levels)`,
  "413": `payload_too_large (unsigned: the body is larger than ${MAX_REQUEST_BODY_BYTES.toLocaleString("en")} bytes)`,
  "415": "bad_request (unsigned: a Content-Encoding other than identity; a body is never decompressed)",
};

/** What every signed operation may answer whatever it does (the node gate's refusals). */
const GATE_REFUSALS: Record<string, string> = {
  "400": "Malformed request (validation_failed)",
  "401":
    "Node authentication failed (stable error.code, see description): signed only for wrong_audience and nonce_reused (their signature verified); every other 401 is unsigned",
  "403": "Node suspended (node_suspended)",
  "409": "The same nonce is still being processed (replay_in_progress)",
  "429":
    "Per-node rate limit (rate_limited), counted per hub instance; error.details.retryAfterSeconds and Retry-After say how many seconds to wait",
  "500":
    "The hub failed on the request (internal_error): signed when the request's signature verified, else unsigned",
};

/** Statuses the gate may answer unsigned (the request's signature not verified): their signature headers are optional. */
const MAYBE_UNSIGNED = new Set(["401", "500"]);

/** Only the gate's rate-limit refusal names a wait (node-gate.ts), in the body and this header. */
const RETRY_AFTER = {
  "Retry-After": {
    description:
      "Whole seconds until the node may send again; the same number as error.details.retryAfterSeconds (not signed)",
    schema: { type: "integer", minimum: 1 },
    required: true,
  },
};

/**
 * A signed operation's answers: the gate's refusals, each joined by the operation's own codes for
 * the same status (`extra`, which the unit test openapi-codes.test.ts compares with the codes the
 * route's code throws). A route's own 403 or 409 used to replace the gate's description or be
 * left out.
 */
export function responses(ok: z.ZodType, extra: Record<string, string> = {}): Json {
  const signed = {
    "Signature-Input": { schema: { type: "string" }, required: true },
    Signature: { schema: { type: "string" }, required: true },
    "Content-Digest": { schema: { type: "string" }, required: true },
  };
  const maybeUnsigned = Object.fromEntries(
    Object.entries(signed).map(([name, h]) => [
      name,
      name === "Content-Digest" ? h : { ...h, required: false },
    ]),
  );
  const error = (status: string, description: string) => ({
    description,
    headers:
      status === "429" ? { ...signed, ...RETRY_AFTER } : MAYBE_UNSIGNED.has(status) ? maybeUnsigned : signed,
    content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } },
  });
  const statuses = [...new Set([...Object.keys(GATE_REFUSALS), ...Object.keys(extra)])].sort();
  const description = (status: string) =>
    [GATE_REFUSALS[status], extra[status]].filter((d): d is string => d !== undefined).join("; ");
  return {
    "200": {
      description: "Signed answer",
      headers: signed,
      content: { "application/json": { schema: schema(ok, "output") } },
    },
    ...Object.fromEntries(statuses.map((status) => [status, error(status, description(status))])),
  };
}

/** A public operation's answers (unsigned transport: the document is signed by its own key). */
export function publicResponses(
  description: string,
  ok: z.ZodType,
  refusals: Record<string, string> = {},
): Json {
  return {
    "200": { description, content: { "application/json": { schema: schema(ok, "output") } } },
    ...Object.fromEntries(
      Object.entries(refusals).map(([status, d]) => [
        status,
        {
          description: d,
          content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } },
        },
      ]),
    ),
  };
}

type Answers = Record<string, { description: string; headers?: Record<string, Json> }>;

/**
 * Every signed POST (one answering 401) with the body parser's refusals joined under 400, 413 and 415,
 * whose signature headers are then not required: those answers come unsigned.
 */
function withBodyRefusals(paths: Json): Json {
  for (const operations of Object.values(paths) as Record<string, { responses?: Answers }>[]) {
    const answers = operations.post?.responses;
    if (!answers?.["401"]) continue;
    for (const [status, refusal] of Object.entries(BODY_REFUSALS)) {
      const own = answers[status];
      const headers = Object.fromEntries(
        Object.entries(own?.headers ?? answers["401"].headers ?? {}).map(([name, h]) => [
          name,
          { ...h, required: false },
        ]),
      );
      answers[status] = {
        ...(own ?? answers["401"]),
        description: own ? `${own.description}; ${refusal}` : refusal,
        headers,
      };
    }
  }
  return paths;
}

export function document(title: string, description: string, paths: Json): Json {
  return {
    openapi: "3.1.0",
    info: { title, version: "1.0.0", description: `${description}\n\n${SIGNING}` },
    servers: [{ url: "/api/hub/v1", description: "The national hub" }],
    paths: withBodyRefusals(paths),
    components: { schemas: { ErrorBody: schema(Refusal, "output") } },
  };
}
