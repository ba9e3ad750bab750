/**
 * The hub conformance checks: each requirement of the collection, catalog and exchange interfaces, run
 * against any implementation at `hubUrl` with a province identity (code + Ed25519 key) that the
 * hub under test has registered. Each check says pass or fail with the reason. The hub may be the
 * national hub in production: the test practitioners are nobody (test-identities.ts) and every
 * record the run published is withdrawn at its end, whatever failed (W01).
 */
import { generateNodeKey } from "../../server/sharing/index.js";
import { CollectionReceipt, HubIdentity, LookupAnswer, type RejectCode } from "../../server/contracts/hub.js";
import { catalogChecks } from "./hub-checks-catalog.js";
import { exchangeChecks } from "./hub-checks-exchange.js";
import { documentsCheck, signingChecks } from "./hub-checks-signing.js";
import { COLLECT, createHubContext, LOOKUP, NAME, updateTimeNow, type Check, type HubCheckOptions, type HubContext } from "./hub-context.js";
import { CheckFailed, conforming, errorCode, expectedRecordHash, must, refusedUnsigned, refusedWith, type CheckResult } from "./kit.js";
import { reservedIdNumber } from "./test-identities.js";

export type { CheckResult } from "./kit.js";
export type { HubCheckOptions } from "./hub-context.js";

/** Another province than the signer's, for a record that claims to come from it. */
const otherProvince = (code: string) => (code === "110000" ? "120000" : "110000");

function collectionChecks(k: HubContext): Check[] {
  const { send, verifySigned, record, batch, recordId, idNumber, options } = k;
  /** The one record result of a signed 200 receipt. */
  const onlyResult = async (records: unknown[]) => {
    const raw = await send("POST", COLLECT, batch(records));
    must(raw.status === 200, `answered ${raw.status} ${errorCode(raw) ?? ""}`);
    verifySigned(raw);
    const result = conforming(CollectionReceipt, raw).results[0];
    must(result, "the receipt has no result");
    return result;
  };
  const rejectedWith = async (records: unknown[], code: RejectCode) => {
    const result = await onlyResult(records);
    const codes = result.reasons.map((r) => r.code);
    must(result.outcome === "rejected" && codes.includes(code), `outcome ${result.outcome} ${codes.join(", ")}`);
    return `rejected ${code}`;
  };
  return [
    ["H01", "the hub publishes its Ed25519 node key at /api/hub/v1/identity", async () => {
      const res = await fetch(`${k.session.base}/api/hub/v1/identity`, { redirect: "error" });
      must(res.ok, `GET identity answered ${res.status}`);
      const parsed = HubIdentity.safeParse(await res.json());
      must(parsed.success, "identity lacks alg/publicKey/keyId");
      k.session.pinHubKey(parsed.data.keyId, parsed.data.publicKey);
      return `key ${parsed.data.keyId.slice(0, 12)}…`;
    }],
    ["C01", "a signed batch is answered 200 with a response signature covering the request (;req), a Content-Digest and the record's documented recordHash", async () => {
      const result = await onlyResult([record(2)]);
      must(result.outcome === "accepted", `record outcome ${result.outcome}`);
      const expected = expectedRecordHash(record(2));
      must(result.recordHash === expected, `recordHash ${result.recordHash ?? "null"}, the documented hash is ${expected}`);
      k.state.hubSeq = result.hubSeq;
      return "receipt verified";
    }],
    ["C02", "each record gets its own result: a bad ID number is rejected with reasons, the good record beside it is accepted", async () => {
      const bad = { ...record(1), recordId: `${recordId}-bad`, practitioner: { idNumber: idNumber.slice(0, 17) + (idNumber.endsWith("0") ? "1" : "0"), name: NAME } };
      const good = { ...record(1), recordId: `${recordId}-good`, practitioner: { idNumber: reservedIdNumber(options.provinceCode), name: NAME } };
      const raw = await send("POST", COLLECT, batch([bad, good]));
      must(raw.status === 200, `answered ${raw.status}`);
      const results = conforming(CollectionReceipt, raw).results;
      must(results.length === 2, `expected 2 results, got ${results.length}`);
      must(results[0]?.outcome === "rejected" && results[0].reasons.length > 0, `bad record: ${results[0]?.outcome ?? "missing"}`);
      must(results[1]?.outcome === "accepted", `good record: ${results[1]?.outcome ?? "missing"}`);
      return "per-record results";
    }],
    ["C03", "an identical re-send is a no-op (duplicate)", async () => {
      const result = await onlyResult([record(2)]);
      must(result.outcome === "duplicate", `outcome ${result.outcome}`);
      return "duplicate";
    }],
    ["C04", "an older record version is ignored (stale)", async () => {
      const result = await onlyResult([record(1)]);
      must(result.outcome === "stale", `outcome ${result.outcome}`);
      return "stale";
    }],
    ["C05", "a batch over 500 records is refused whole (413 batch_too_large, signed)", async () => {
      const raw = await send("POST", COLLECT, batch(Array.from({ length: 501 }, () => record(1))));
      refusedWith(raw, 413, "batch_too_large");
      verifySigned(raw);
      return "413";
    }],
    ["C06", "a record with a 10,000-character unknown key is rejected in a receipt within the published bounds", async () => {
      const result = await onlyResult([{ ...record(1), recordId: `${recordId}-long`, ["k".repeat(10_000)]: 1 }]);
      must(result.outcome === "rejected", `record outcome ${result.outcome}`);
      return "bounded receipt";
    }],
    ["C07", "a record whose sourceProvince is not the signing province is rejected (provenance_mismatch)", async () => {
      const other = otherProvince(options.provinceCode);
      return rejectedWith([{ ...record(1), recordId: `${recordId}-prov`, sourceProvince: other, issuingDivision: other }], "provenance_mismatch");
    }],
    ["C08", "the same record version with other content is rejected (version_conflict), not applied", async () => {
      must(k.session.published.holds(recordId), "the hub holds no version of the record to conflict with (C01)");
      const changed = record(2);
      return rejectedWith([{ ...changed, exam: { ...changed.exam, score: 99 } }], "version_conflict");
    }],
    ["C09", "a name spelt with spaces is stored normalised: the receipt's recordHash is that of the normalised record, as documented", async () => {
      const padded = { ...record(1), recordId: `${recordId}-name`, practitioner: { idNumber, name: ` ${NAME.slice(0, 1)}\u3000${NAME.slice(1)} ` } };
      const result = await onlyResult([padded]);
      must(result.outcome === "accepted", `record outcome ${result.outcome}`);
      const expected = expectedRecordHash(padded);
      must(result.recordHash === expected, `recordHash ${result.recordHash ?? "null"}, the documented hash of the record as stored (name "${NAME}") is ${expected}`);
      return "normalised and hashed as documented";
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
      // The stored answer, still signed and bound to the request it answers (and replays).
      verifySigned(again);
      return `receipt ${receipt.receiptId} again`;
    }],
    ["S02", "a body changed after signing is refused (401 content_digest_mismatch, unsigned)", async () => {
      const body = batch([record(4)]);
      const raw = await send("POST", COLLECT, body, { sentBody: body.replace(NAME, "篡改") });
      refusedUnsigned(raw, 401, "content_digest_mismatch");
      return "refused";
    }],
    ["S03", "an unsigned request is refused (401 signature_missing, unsigned)", async () => {
      refusedUnsigned(await send("POST", COLLECT, batch([record(5)]), { headers: {} }), 401, "signature_missing");
      return "refused";
    }],
    ["S04", "a request signed by an unregistered key is refused (401 unknown_key, unsigned)", async () => {
      refusedUnsigned(await send("POST", COLLECT, batch([record(5)]), { key: generateNodeKey() }), 401, "unknown_key");
      return "refused";
    }],
    ["S05", "a signature created 10 minutes ago is refused (401 clock_skew, unsigned)", async () => {
      refusedUnsigned(await send("POST", COLLECT, batch([record(5)]), { now: new Date(Date.now() - 600_000) }), 401, "clock_skew");
      return "refused";
    }],
    ["S06", "a nonce used again under another signature is refused (401 nonce_reused, signed), not answered", async () => {
      const nonce = k.session.nonce();
      const first = await send("GET", "/api/hub/v1/catalog/changes?after=0&limit=1", undefined, { nonce });
      must(first.status === 200, `the first request answered ${first.status} ${errorCode(first) ?? ""}`);
      const again = await send("GET", "/api/hub/v1/catalog/changes?after=1&limit=1", undefined, { nonce });
      refusedWith(again, 401, "nonce_reused");
      verifySigned(again);
      return "refused";
    }],
    ["S07", "a request signed for another hub's address, relayed with that Host, is refused (401 wrong_audience, signed), not carried out", async () => {
      const raw = await k.session.sendForAuthority("conformance-other-hub.invalid", "/api/hub/v1/catalog/changes?after=0&limit=1");
      // 421 Misdirected Request: a front end that serves only the hub's own name refused it first.
      if (raw.status === 421) return "refused by the front end (421)";
      refusedWith(raw, 401, "wrong_audience");
      // The signature verified (for another address): the documents say the refusal is signed.
      verifySigned(raw);
      return "refused";
    }],
  ];
}

/**
 * W01: every record the run published, withdrawn — a delete, state invalid, one version above any
 * the kit sent — and the test practitioner then holding no category. Run last, whatever failed.
 */
async function withdrawal(k: HubContext): Promise<string> {
  const withdrawals = k.session.published.withdrawals(updateTimeNow());
  if (withdrawals.length === 0) return "nothing was published";
  const raw = await k.send("POST", COLLECT, k.batch(withdrawals));
  must(raw.status === 200, `the withdrawal answered ${raw.status} ${errorCode(raw) ?? ""}`);
  const results = conforming(CollectionReceipt, raw).results;
  const refused = results.filter((r) => r.outcome !== "accepted").map((r) => `${r.recordId ?? r.index} ${r.outcome}`);
  must(refused.length === 0, `not withdrawn: ${refused.join(", ")}`);
  if (k.session.published.holds(k.recordId)) {
    const found = await k.send("POST", LOOKUP, k.lookup("holder_request", "CONF-W"));
    must(found.status === 200, `the lookup after the withdrawal answered ${found.status}`);
    const held = conforming(LookupAnswer, found).matches[0]?.categories ?? [];
    must(held.length === 0, `the withdrawn practitioner still holds ${held.join(", ")}`);
  }
  return `${results.length} record(s) withdrawn`;
}

export async function runHubChecks(options: HubCheckOptions): Promise<CheckResult[]> {
  const k = createHubContext(options);
  const results: CheckResult[] = [];
  const run = async (id: string, title: string, check: () => Promise<string>) => {
    try {
      results.push({ id, title, ok: true, reason: await check() });
    } catch (err) {
      results.push({ id, title, ok: false, reason: err instanceof CheckFailed ? err.message : `error: ${(err as Error).message}` });
    }
  };
  try {
    for (const [id, title, check] of [...collectionChecks(k), ...signingChecks(k), ...catalogChecks(k), ...exchangeChecks(k), documentsCheck(k)])
      await run(id, title, check);
  } finally {
    await run("W01", "every record the kit published is withdrawn (delete, state invalid) and the test practitioner holds nothing", () => withdrawal(k));
  }
  return results;
}
