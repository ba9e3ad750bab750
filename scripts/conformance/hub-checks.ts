/**
 * The hub conformance checks: each requirement of the collection, catalog and exchange interfaces, run
 * against any implementation at `hubUrl` with a province identity (code + Ed25519 key) that the
 * hub under test has registered. Each check says pass or fail with the reason.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { z } from "zod";
import { ChangesPage, CollectionReceipt, LookupAnswer } from "../../server/contracts/hub.js";
import { makeIdNumber } from "../../server/lib/id-number.js";
import {
  generateNodeKey,
  publicKeyFromX,
  signRequest,
  verifyResponse,
  type MessageView,
  type NodeKey,
} from "../../server/sharing/index.js";

export interface CheckResult {
  id: string;
  title: string;
  ok: boolean;
  reason: string;
}

interface Raw {
  status: number;
  text: string;
  headers: Headers;
  requestHeaders: Record<string, string>;
  url: string;
  method: string;
}

export interface HubCheckOptions {
  hubUrl: string;
  provinceCode: string;
  key: NodeKey;
}

class CheckFailed extends Error {}
function must(condition: unknown, reason: string): asserts condition {
  if (!condition) throw new CheckFailed(reason);
}

function errorCode(raw: Raw): string | undefined {
  try {
    return (JSON.parse(raw.text) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/**
 * The answer parsed with the published contract (the OpenAPI documents are generated from it), so
 * a hub that answers beyond a published bound (a longer string, more items) fails the check.
 */
function conforming<S extends z.ZodType>(contract: S, raw: Raw): z.infer<S> {
  let body: unknown;
  try {
    body = JSON.parse(raw.text);
  } catch {
    throw new CheckFailed("the answer is not JSON");
  }
  const parsed = contract.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CheckFailed(`the answer breaks the published contract at ${issue?.path.join(".") ?? "?"}: ${issue?.message ?? ""}`);
  }
  return parsed.data;
}

/** The test practitioner's name: a masked answer must not carry it. */
const NAME = "测试";

/** Every string value in a parsed answer, at any depth. */
function valuesOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value && typeof value === "object") return Object.values(value).flatMap(valuesOf);
  return [];
}

export async function runHubChecks(options: HubCheckOptions): Promise<CheckResult[]> {
  const base = options.hubUrl.replace(/\/+$/, "");
  const results: CheckResult[] = [];
  let hubKey: { keyId: string; publicKey: ReturnType<typeof publicKeyFromX> } | null = null;
  const idNumber = makeIdNumber(`${options.provinceCode.slice(0, 2)}0102`, `19${70 + (randomBytes(1)[0]! % 30)}-03-15`, 1 + (randomBytes(1)[0]! % 200));
  const recordId = `conformance:${randomBytes(6).toString("hex")}`;

  async function send(method: "GET" | "POST", path: string, body?: string, opts: { key?: NodeKey; sentBody?: string; now?: Date; headers?: Record<string, string> } = {}): Promise<Raw> {
    const url = `${base}${path}`;
    const text = body ?? "";
    const signed = opts.headers ?? signRequest(opts.key ?? options.key, { method, url, body: text }, opts.now).headers;
    const res = await fetch(url, {
      method,
      headers: { ...signed, ...(method === "POST" ? { "content-type": "application/json" } : {}) },
      body: method === "POST" ? (opts.sentBody ?? text) : undefined,
      signal: AbortSignal.timeout(15_000),
    });
    return { status: res.status, text: await res.text(), headers: res.headers, requestHeaders: signed, url, method };
  }

  function verifySigned(raw: Raw): void {
    must(hubKey, "the hub's identity is unknown (H01 failed)");
    const request: MessageView = { method: raw.method, targetUri: raw.url, header: (n) => raw.requestHeaders[n] };
    const response: MessageView = { status: raw.status, header: (n) => raw.headers.get(n) ?? undefined };
    try {
      verifyResponse(response, raw.text, request, hubKey.publicKey, hubKey.keyId);
    } catch (err) {
      throw new CheckFailed(`response signature does not verify: ${(err as Error).message}`);
    }
  }

  const now = new Date(Date.now() + 8 * 3600_000 - 60_000);
  const updateTime = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  const record = (version: number, name = NAME) => ({
    recordId, recordType: "exam_pass", sourceProvince: options.provinceCode, operation: version === 1 ? "add" : "update", state: "valid",
    updateTime, version, practitioner: { idNumber, name }, categories: ["02001"], issuingDivision: options.provinceCode,
    exam: { categoryCode: "02001", passedOn: now.toISOString().slice(0, 10), score: 90 + version, passMark: 80, chainHash: "c".repeat(64) },
  });
  const batch = (records: unknown[]) => JSON.stringify({ batchId: `conf-${randomBytes(4).toString("hex")}`, records });
  const COLLECT = "/api/hub/v1/collection/records";
  const LOOKUP = "/api/hub/v1/catalog/lookups";
  const EXCHANGE = "/api/hub/v1/exchange";
  const aCase = (practitioner: { idNumber: string; name: string }) =>
    JSON.stringify({
      caseId: `conformance-${randomBytes(8).toString("hex")}`, kind: "filing", lookupId: randomUUID(), practitioner,
      officer: { id: "conformance", name: "测试", divisionCode: options.provinceCode },
      details: {
        employer: { name: "测试运输公司" }, startDate: now.toISOString().slice(0, 10), categoryCode: "02001",
        licence: { number: "TEST-0001", class: "A2" }, contact: { phone: "010-0000000" },
      },
    });

  const checks: [string, string, () => Promise<string>][] = [
    ["H01", "the hub publishes its Ed25519 node key at /api/hub/v1/identity", async () => {
      const res = await fetch(`${base}/api/hub/v1/identity`);
      must(res.ok, `GET identity answered ${res.status}`);
      const id = (await res.json()) as { keyId?: string; publicKey?: string; alg?: string };
      must(id.alg === "ed25519" && typeof id.publicKey === "string" && typeof id.keyId === "string", "identity lacks alg/publicKey/keyId");
      hubKey = { keyId: id.keyId, publicKey: publicKeyFromX(id.publicKey) };
      return `key ${id.keyId.slice(0, 12)}…`;
    }],
    ["C01", "a signed batch is answered 200 with a response signature covering the request (;req) and a Content-Digest", async () => {
      const raw = await send("POST", COLLECT, batch([record(2)]));
      must(raw.status === 200, `answered ${raw.status} ${errorCode(raw) ?? ""}`);
      verifySigned(raw);
      const result = conforming(CollectionReceipt, raw).results[0];
      must(result?.outcome === "accepted", `record outcome ${result?.outcome ?? "missing"}`);
      return "receipt verified";
    }],
    ["C02", "each record gets its own result: a bad ID number is rejected with reasons, the good record beside it is accepted", async () => {
      const bad = { ...record(1), recordId: `${recordId}-bad`, practitioner: { idNumber: idNumber.slice(0, 17) + (idNumber.endsWith("0") ? "1" : "0"), name: "测试" } };
      const good = { ...record(1), recordId: `${recordId}-good`, practitioner: { idNumber: makeIdNumber(`${options.provinceCode.slice(0, 2)}0102`, "1988-08-08", 7), name: "测试" } };
      const raw = await send("POST", COLLECT, batch([bad, good]));
      must(raw.status === 200, `answered ${raw.status}`);
      const results = (JSON.parse(raw.text) as { results: { outcome: string; reasons: unknown[] }[] }).results;
      must(results.length === 2, `expected 2 results, got ${results.length}`);
      must(results[0]?.outcome === "rejected" && (results[0]?.reasons.length ?? 0) > 0, `bad record: ${results[0]?.outcome ?? "missing"}`);
      must(results[1]?.outcome === "accepted", `good record: ${results[1]?.outcome ?? "missing"}`);
      return "per-record results";
    }],
    ["C03", "an identical re-send is a no-op (duplicate)", async () => {
      const raw = await send("POST", COLLECT, batch([record(2)]));
      const outcome = (JSON.parse(raw.text) as { results?: { outcome?: string }[] }).results?.[0]?.outcome;
      must(outcome === "duplicate", `outcome ${outcome ?? raw.status}`);
      return "duplicate";
    }],
    ["C04", "an older record version is ignored (stale)", async () => {
      const raw = await send("POST", COLLECT, batch([record(1)]));
      const outcome = (JSON.parse(raw.text) as { results?: { outcome?: string }[] }).results?.[0]?.outcome;
      must(outcome === "stale", `outcome ${outcome ?? raw.status}`);
      return "stale";
    }],
    ["C05", "a batch over 500 records is refused with 413", async () => {
      const raw = await send("POST", COLLECT, batch(Array.from({ length: 501 }, () => record(1))));
      must(raw.status === 413, `answered ${raw.status}`);
      return "413";
    }],
    ["C06", "a record with a 10,000-character unknown key is rejected in a receipt within the published bounds", async () => {
      const raw = await send("POST", COLLECT, batch([{ ...record(1), recordId: `${recordId}-long`, ["k".repeat(10_000)]: 1 }]));
      must(raw.status === 200, `answered ${raw.status} ${errorCode(raw) ?? ""}`);
      const result = conforming(CollectionReceipt, raw).results[0];
      must(result?.outcome === "rejected", `record outcome ${result?.outcome ?? "missing"}`);
      return "bounded receipt";
    }],
    ["S01", "a replayed request gets the original answer again, with no second effect", async () => {
      const body = batch([{ ...record(3) }]);
      const first = await send("POST", COLLECT, body);
      // The original must be an answer to replay: two identical refusals show nothing of replays.
      must(first.status === 200, `the original request answered ${first.status} ${errorCode(first) ?? ""}, not a receipt`);
      const receipt = conforming(CollectionReceipt, first);
      const again = await send("POST", COLLECT, body, { headers: first.requestHeaders });
      must(again.status === 200, `replay answered ${again.status} ${errorCode(again) ?? ""}`);
      const replayed = conforming(CollectionReceipt, again);
      // Another receipt is another application of the batch: the second effect a replay must not have.
      must(replayed.receiptId === receipt.receiptId, `replay answered receipt ${replayed.receiptId}, the original ${receipt.receiptId}`);
      must(again.text === first.text, "replay answered the original receipt with a different body");
      return `receipt ${receipt.receiptId} again`;
    }],
    ["S02", "a body changed after signing is refused (401 content_digest_mismatch)", async () => {
      const body = batch([record(4)]);
      const raw = await send("POST", COLLECT, body, { sentBody: body.replace("测试", "篡改") });
      must(raw.status === 401 && errorCode(raw) === "content_digest_mismatch", `answered ${raw.status} ${errorCode(raw) ?? ""}`);
      return "refused";
    }],
    ["S03", "an unsigned request is refused (401)", async () => {
      const res = await fetch(`${base}${COLLECT}`, { method: "POST", headers: { "content-type": "application/json" }, body: batch([record(5)]) });
      must(res.status === 401, `answered ${res.status}`);
      return "refused";
    }],
    ["S04", "a request signed by an unregistered key is refused (401 unknown_key)", async () => {
      const raw = await send("POST", COLLECT, batch([record(5)]), { key: generateNodeKey() });
      must(raw.status === 401 && errorCode(raw) === "unknown_key", `answered ${raw.status} ${errorCode(raw) ?? ""}`);
      return "refused";
    }],
    ["S05", "a signature created 10 minutes ago is refused (401 clock_skew)", async () => {
      const raw = await send("POST", COLLECT, batch([record(5)]), { now: new Date(Date.now() - 600_000) });
      must(raw.status === 401 && errorCode(raw) === "clock_skew", `answered ${raw.status} ${errorCode(raw) ?? ""}`);
      return "refused";
    }],
    ["L01", "a lookup without reason and case reference is refused (400)", async () => {
      const raw = await send("POST", LOOKUP, JSON.stringify({ query: { by: "id_number", idNumber }, officerId: "conformance" }));
      must(raw.status === 400, `answered ${raw.status}`);
      return "refused";
    }],
    ["L02", "a lookup with officer, reason and case finds the published practitioner, signed", async () => {
      const raw = await send("POST", LOOKUP, JSON.stringify({ query: { by: "id_number", idNumber }, officerId: "conformance", reason: "enforcement", caseReference: "CONF-1" }));
      must(raw.status === 200, `answered ${raw.status}`);
      verifySigned(raw);
      const match = conforming(LookupAnswer, raw).matches[0];
      must(match?.idNumber === idNumber && match.homeProvince === options.provinceCode, "the practitioner was not found");
      return "found";
    }],
    ["L03", "an employer check finds the practitioner and masks the ID number and name, saying so in `masked`", async () => {
      const raw = await send("POST", LOOKUP, JSON.stringify({ query: { by: "id_number", idNumber }, officerId: "conformance", reason: "employer_check", caseReference: "CONF-2" }));
      must(raw.status === 200, `answered ${raw.status}`);
      // Parsed, not searched as text: a hub escaping non-ASCII (\u6d4b\u8bd5) sent the full name
      // with no Chinese character in its bytes, and an answer with no match masked nothing at all.
      const answer = conforming(LookupAnswer, raw);
      must(answer.matches.length === 1, `expected one match, got ${answer.matches.length}`);
      const match = answer.matches[0]!;
      for (const field of ["idNumber", "name"]) must(match.masked.includes(field), `masked does not list ${field}`);
      must(match.idNumber !== idNumber && !match.idNumber.includes(idNumber.slice(4, 14)), "the ID number is not masked (its middle digits are shown)");
      must(match.name !== NAME && !match.name.includes(NAME), "the name is not masked (answered in full)");
      must(!valuesOf(answer).some((v) => v.includes(idNumber) || v.includes(NAME)), "another field of the answer carries the full ID number or name");
      return `masked as ${match.idNumber}`;
    }],
    ["L04", "the change feed returns this province's changes after a cursor, in hub order", async () => {
      const raw = await send("GET", "/api/hub/v1/catalog/changes?after=0&limit=1000");
      must(raw.status === 200, `answered ${raw.status}`);
      verifySigned(raw);
      const page = conforming(ChangesPage, raw);
      const seqs = (page.changes ?? []).map((c) => c.seq);
      must(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), "changes are not in ascending hub sequence");
      must((page.changes ?? []).some((c) => c.idNumber === idNumber), "the published change is missing");
      return `${seqs.length} changes`;
    }],
    ["E01", "the exchange inbox answers a signed page after a cursor", async () => {
      const raw = await send("GET", `${EXCHANGE}/inbox?after=0&limit=10`);
      must(raw.status === 200, `answered ${raw.status} ${errorCode(raw) ?? ""}`);
      verifySigned(raw);
      const page = JSON.parse(raw.text) as { messages?: unknown[]; nextCursor?: number };
      must(Array.isArray(page.messages) && typeof page.nextCursor === "number", "not an inbox page");
      return `${page.messages.length} messages`;
    }],
    ["E02", "a filing citing a lookup the hub never answered is refused before anything about the person (422 lookup_mismatch)", async () => {
      const stranger = makeIdNumber("650102", "1975-05-05", 3);
      const raw = await send("POST", `${EXCHANGE}/cases`, aCase({ idNumber: stranger, name: "无此人" }));
      must(raw.status === 422 && errorCode(raw) === "lookup_mismatch", `answered ${raw.status} ${errorCode(raw) ?? ""}`);
      verifySigned(raw);
      return "refused";
    }],
    ["E03", "a filing of the province's own practitioner, citing its own lookup for it, is refused (422 own_practitioner)", async () => {
      const found = await send("POST", LOOKUP, JSON.stringify({ query: { by: "id_number", idNumber }, officerId: "conformance", reason: "filing", caseReference: "CONF-3" }));
      must(found.status === 200, `the lookup answered ${found.status}`);
      const lookupId = conforming(LookupAnswer, found).lookupId;
      const body = { ...(JSON.parse(aCase({ idNumber, name: "测试" })) as Record<string, unknown>), lookupId };
      const raw = await send("POST", `${EXCHANGE}/cases`, JSON.stringify(body));
      must(raw.status === 422 && errorCode(raw) === "own_practitioner", `answered ${raw.status} ${errorCode(raw) ?? ""}`);
      return "refused";
    }],
    ["E04", "a filing without a lookup reference is refused (400)", async () => {
      const body = JSON.parse(aCase({ idNumber, name: "测试" })) as Record<string, unknown>;
      delete body.lookupId;
      const raw = await send("POST", `${EXCHANGE}/cases`, JSON.stringify(body));
      must(raw.status === 400, `answered ${raw.status} ${errorCode(raw) ?? ""}`);
      return "refused";
    }],
    ["E05", "an answer to a case never sent to this province is refused (404 case_not_found)", async () => {
      const raw = await send("POST", `${EXCHANGE}/cases/conformance-${randomBytes(6).toString("hex")}/answer`, JSON.stringify({
        outcome: "acknowledged", officer: { id: "conformance", name: "测试", divisionCode: options.provinceCode },
      }));
      must(raw.status === 404 && errorCode(raw) === "case_not_found", `answered ${raw.status} ${errorCode(raw) ?? ""}`);
      return "refused";
    }],
    ["E06", "an unsigned inbox request is refused (401)", async () => {
      const res = await fetch(`${base}${EXCHANGE}/inbox?after=0`);
      must(res.status === 401, `answered ${res.status}`);
      return "refused";
    }],
    ["E07", "a notice document for a case never sent is refused (404 case_not_found)", async () => {
      const data = Buffer.concat([Buffer.from("%PDF-1.7\n", "latin1"), randomBytes(32)]);
      const raw = await send("POST", `${EXCHANGE}/cases/conformance-${randomBytes(6).toString("hex")}/documents`, JSON.stringify({
        sha256: createHash("sha256").update(data).digest("hex"), mediaType: "application/pdf", name: "测试.pdf", dataBase64: data.toString("base64"),
      }));
      must(raw.status === 404 && errorCode(raw) === "case_not_found", `answered ${raw.status} ${errorCode(raw) ?? ""}`);
      verifySigned(raw);
      return "refused";
    }],
    ["E08", "a notice document of a case this province is not party to is not given (404 case_not_found)", async () => {
      const raw = await send("GET", `${EXCHANGE}/cases/conformance-${randomBytes(6).toString("hex")}/documents/${"0".repeat(64)}`);
      must(raw.status === 404 && errorCode(raw) === "case_not_found", `answered ${raw.status} ${errorCode(raw) ?? ""}`);
      return "refused";
    }],
    ["V01", "a query parameter the operation does not declare is refused (400 validation_failed, signed), not ignored", async () => {
      const raw = await send("GET", "/api/hub/v1/catalog/changes?after=0&province=110000");
      must(raw.status === 400 && errorCode(raw) === "validation_failed", `answered ${raw.status} ${errorCode(raw) ?? ""}`);
      verifySigned(raw);
      return "refused";
    }],
    ["V02", "a cursor that is not plain decimal digits (after=0x10, 1e2, empty) is refused (400), not read as another number", async () => {
      for (const after of ["0x10", "1e2", ""]) {
        const raw = await send("GET", `/api/hub/v1/catalog/changes?after=${after}`);
        must(raw.status === 400 && errorCode(raw) === "validation_failed", `after=${after} answered ${raw.status} ${errorCode(raw) ?? ""}`);
      }
      return "refused";
    }],
    ["V03", "a body field the schema does not name is refused (400 validation_failed), not ignored", async () => {
      const raw = await send("POST", LOOKUP, JSON.stringify({ query: { by: "id_number", idNumber }, officerId: "conformance", reason: "enforcement", caseReference: "CONF-3", province: "110000" }));
      must(raw.status === 400 && errorCode(raw) === "validation_failed", `answered ${raw.status} ${errorCode(raw) ?? ""}`);
      verifySigned(raw);
      return "refused";
    }],
    ["D01", "the OpenAPI 3.1 documents are served", async () => {
      for (const name of ["collection", "catalog", "exchange"]) {
        const res = await fetch(`${base}/api/hub/v1/openapi/${name}.json`);
        must(res.ok, `${name}.json answered ${res.status}`);
        must(((await res.json()) as { openapi?: string }).openapi === "3.1.0", `${name}.json is not OpenAPI 3.1`);
      }
      return "collection, catalog, exchange";
    }],
  ];

  for (const [id, title, run] of checks) {
    try {
      results.push({ id, title, ok: true, reason: await run() });
    } catch (err) {
      results.push({ id, title, ok: false, reason: err instanceof CheckFailed ? err.message : `error: ${(err as Error).message}` });
    }
  }
  return results;
}
