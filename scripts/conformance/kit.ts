/**
 * What the hub checks share: the signed transport to the hub under test, the judgement of an answer
 * against the published contracts, the hash rule the documents state, and the record of what the
 * kit published so that it can withdraw it.
 */
import { createHash, randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { z } from "zod";
import { ErrorBody } from "../../server/contracts/errors.js";
import { QualificationRecord } from "../../server/contracts/hub.js";
import {
  contentDigest,
  publicKeyFromX,
  signRequest,
  verifyResponse,
  type MessageView,
  type NodeKey,
} from "../../server/sharing/index.js";
// The profile's parts, to sign a request with a nonce of the kit's choosing (S06) or outside the
// profile (S08–S13): the transport never does either, which is the point, so it offers no way to.
import { component, signMessage } from "../../server/sharing/http-signature.js";
import { REQUEST_COMPONENTS, SIGNATURE_ALG, SIGNATURE_LABEL } from "../../server/sharing/signed-message.js";

export interface CheckResult {
  id: string;
  title: string;
  ok: boolean;
  reason: string;
}

export class CheckFailed extends Error {}
export function must(condition: unknown, reason: string): asserts condition {
  if (!condition) throw new CheckFailed(reason);
}

/** One exchange with the hub, as sent and as answered. */
export interface Raw {
  status: number;
  text: string;
  headers: Headers;
  requestHeaders: Record<string, string>;
  url: string;
  method: string;
}

export function errorCode(raw: Raw): string | undefined {
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
export function conforming<S extends z.ZodType>(contract: S, raw: Raw): z.infer<S> {
  let body: unknown;
  try {
    body = JSON.parse(raw.text);
  } catch {
    throw new CheckFailed("the answer is not JSON");
  }
  const parsed = contract.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CheckFailed(
      `the answer breaks the published contract at ${issue?.path.join(".") ?? "?"}: ${issue?.message ?? ""}`,
    );
  }
  return parsed.data;
}

/** Every refusal's body, as the documents publish it. */
const Refusal = z.object({ error: ErrorBody });

/** A refusal with `status` and `code`, its body parsed with the published error contract. */
export function refusedWith(raw: Raw, status: number, code: string): ErrorBody {
  must(raw.status === status && errorCode(raw) === code, `answered ${raw.status} ${errorCode(raw) ?? ""}`);
  return conforming(Refusal, raw).error;
}

/** Every string value in a parsed answer, at any depth. */
export function valuesOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value && typeof value === "object") return Object.values(value).flatMap(valuesOf);
  return [];
}

/** Canonical JSON as the documents define it for recordHash: keys sorted at every level, no white space. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The recordHash a hub must answer for `record`, computed as the documents say (RECORD_HASH_RULE):
 * the record as stored — normalised by the published contract, which changes the name only — in
 * canonical JSON, SHA-256, hex. Not the hub's own function: the kit checks the rule, not the code.
 */
export function expectedRecordHash(record: unknown): string {
  return createHash("sha256")
    .update(canonicalJson(QualificationRecord.parse(record)))
    .digest("hex");
}

/**
 * How the kit departs from the transport's profile to sign one request: its own nonce (S06), or a
 * request the documents say must be refused (S08–S13): components left out, a longer lifetime,
 * another algorithm, no Content-Digest header.
 */
export interface SignProfile {
  nonce?: string;
  /** `expires - created`; the transport signs for 60 s. */
  lifetimeSeconds?: number;
  /** Covered components by name (default the profile's REQUEST_COMPONENTS). */
  components?: string[];
  alg?: string;
  /** Sends no Content-Digest header (the components then must not name it). */
  omitDigest?: boolean;
}

/** Headers that sign `request` as `profile` says (else as the transport signs it). */
export function signWith(
  key: NodeKey,
  request: { method: string; url: string; body: string },
  profile: SignProfile,
  now = new Date(),
): Record<string, string> {
  const created = Math.floor(now.getTime() / 1000);
  const headers: Record<string, string> = profile.omitDigest
    ? {}
    : { "content-digest": contentDigest(request.body) };
  const view: MessageView = { method: request.method, targetUri: request.url, header: (n) => headers[n] };
  const params = new Map<string, string | number>([
    ["created", created],
    ["expires", created + (profile.lifetimeSeconds ?? 60)],
    ["nonce", profile.nonce ?? randomBytes(18).toString("base64url")],
    ["keyid", key.keyId],
    ["alg", profile.alg ?? SIGNATURE_ALG],
  ]);
  const components = profile.components?.map((name) => component(name)) ?? REQUEST_COMPONENTS;
  const signed = signMessage(
    { label: SIGNATURE_LABEL, components, params, privateKey: key.privateKey },
    view,
  );
  return { ...headers, "signature-input": signed.signatureInput, signature: signed.signature };
}

/** Headers that sign `request` with the given nonce (else as the transport signs it). */
export function signWithNonce(
  key: NodeKey,
  request: { method: string; url: string; body: string },
  nonce: string,
  now = new Date(),
): Record<string, string> {
  return signWith(key, request, { nonce }, now);
}

/**
 * A refusal the documents say leaves unsigned (its request's signature did not verify): status and
 * code as documented, and no signature, since a hub that signs it binds its word to a request that
 * may have been changed on the way (the sender would count it as the hub's refusal).
 */
export function refusedUnsigned(raw: Raw, status: number, code: string): ErrorBody {
  const error = refusedWith(raw, status, code);
  must(
    !raw.headers.get("signature") && !raw.headers.get("signature-input"),
    `the ${status} ${code} is signed; the documents say it is not (its request's signature did not verify)`,
  );
  return error;
}

/**
 * The end of a feed read by cursor (`after`): the smallest cursor after which `hasAfter` finds
 * nothing, by doubling then halving, so a hub's whole feed is never read (a national hub's feed of
 * lookup notices holds years of them). `hasAfter` must be monotonic, as a cursor feed is.
 */
export async function feedEnd(hasAfter: (after: number) => Promise<boolean>): Promise<number> {
  if (!(await hasAfter(0))) return 0;
  let lo = 0;
  let hi = 1024;
  while (await hasAfter(hi)) {
    lo = hi;
    hi *= 2;
    must(hi < Number.MAX_SAFE_INTEGER, "the feed has no end");
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await hasAfter(mid)) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Just enough of a receipt to know which records the hub now holds, whatever else it got wrong. */
const HeldRecords = z.object({
  results: z.array(z.object({ index: z.int(), outcome: z.string() })),
});

/**
 * What the kit published, for its withdrawal at the end of the run: every record id a receipt said
 * the hub holds (accepted, duplicate or stale), with the last content and the highest version the
 * kit sent under it (a hub may have applied a version it answered otherwise).
 */
export function createPublished() {
  const sent = new Map<string, { record: Record<string, unknown>; version: number }>();
  const held = new Set<string>();
  const recordsOf = (body: string): Record<string, unknown>[] => {
    try {
      const records = (JSON.parse(body) as { records?: unknown }).records;
      return Array.isArray(records) ? (records as Record<string, unknown>[]) : [];
    } catch {
      return [];
    }
  };
  return {
    /** Notes the records of a batch as sent (before its answer, which may never come). */
    sending(body: string): void {
      for (const r of recordsOf(body)) {
        if (typeof r.recordId !== "string" || typeof r.version !== "number") continue;
        const before = sent.get(r.recordId);
        sent.set(r.recordId, { record: r, version: Math.max(before?.version ?? 0, r.version) });
      }
    },
    /** Notes which records of the batch the hub's answer says it holds. */
    answered(body: string, raw: Raw): void {
      if (raw.status !== 200) return;
      const records = recordsOf(body);
      let receipt: unknown;
      try {
        receipt = JSON.parse(raw.text);
      } catch {
        return;
      }
      const parsed = HeldRecords.safeParse(receipt);
      if (!parsed.success) return;
      for (const r of parsed.data.results) {
        const id = records[r.index]?.recordId;
        if (typeof id === "string" && r.outcome !== "rejected") held.add(id);
      }
    },
    /** Whether the hub holds a record under `recordId` (as its answers said). */
    holds: (recordId: string) => held.has(recordId),
    /** The withdrawal of each record held: its last content as a delete, state invalid, one version on. */
    withdrawals(updateTime: string): Record<string, unknown>[] {
      return [...held].flatMap((id) => {
        const last = sent.get(id);
        if (!last) return [];
        return [
          { ...last.record, operation: "delete", state: "invalid", version: last.version + 1, updateTime },
        ];
      });
    },
  };
}
export type Published = ReturnType<typeof createPublished>;

/** The hub under test as the checks reach it: signed requests, verified answers, publications noted. */
export function createHubSession(options: { hubUrl: string; key: NodeKey }, collectPath: string) {
  const base = options.hubUrl.replace(/\/+$/, "");
  const published = createPublished();
  let hubKey: { keyId: string; publicKey: ReturnType<typeof publicKeyFromX> } | null = null;

  async function send(
    method: "GET" | "POST",
    path: string,
    body?: string,
    opts: {
      key?: NodeKey;
      sentBody?: string;
      now?: Date;
      headers?: Record<string, string>;
      nonce?: string;
      /** Signs outside the transport's profile (see SignProfile). */
      profile?: SignProfile;
      /** Signs for this path instead of `path` (sent to `path`). */
      signedPath?: string;
    } = {},
  ): Promise<Raw> {
    const url = `${base}${path}`;
    const text = body ?? "";
    const request = { method, url: opts.signedPath ? `${base}${opts.signedPath}` : url, body: text };
    const profile = opts.profile ?? (opts.nonce ? { nonce: opts.nonce } : null);
    const signed =
      opts.headers ??
      (profile
        ? signWith(opts.key ?? options.key, request, profile, opts.now)
        : signRequest(opts.key ?? options.key, request, opts.now).headers);
    const sent = method === "POST" ? (opts.sentBody ?? text) : undefined;
    const collecting = method === "POST" && path === collectPath && sent !== undefined;
    if (collecting) published.sending(sent);
    const res = await fetch(url, {
      method,
      headers: { ...signed, ...(method === "POST" ? { "content-type": "application/json" } : {}) },
      body: sent,
      // A hub answers where it was asked: a redirect would carry the signed request (signed for
      // this URL) elsewhere, and the answer judged would not be the hub's.
      redirect: "error",
      signal: AbortSignal.timeout(15_000),
    });
    const raw = {
      status: res.status,
      text: await res.text(),
      headers: res.headers,
      requestHeaders: signed,
      url,
      method,
    };
    if (collecting) published.answered(sent, raw);
    return raw;
  }

  /**
   * A GET signed for `authority` instead of the hub under test, delivered to the hub with that
   * authority in its Host header: what a relay does with a request made for another hub (fetch
   * cannot set Host, hence node:http). A GET, so a hub that carries it out changes nothing.
   */
  function sendForAuthority(authority: string, path: string): Promise<Raw> {
    const target = new URL(`${base}${path}`);
    const url = `${target.protocol}//${authority}${path}`;
    const signed = signRequest(options.key, { method: "GET", url, body: "" }).headers;
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise<Raw>((resolve, reject) => {
      const req = send(
        target,
        { method: "GET", headers: { ...signed, host: authority }, timeout: 15_000 },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(res.headers))
              if (typeof value === "string") headers.set(name, value);
            resolve({
              status: res.statusCode ?? 0,
              text,
              headers,
              requestHeaders: signed,
              url,
              method: "GET",
            });
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error("no answer within 15 s")));
      req.on("error", reject);
      req.end();
    });
  }

  return {
    base,
    published,
    send,
    sendForAuthority,
    /** A fresh nonce, as the transport makes them. */
    nonce: () => randomBytes(18).toString("base64url"),
    pinHubKey: (keyId: string, publicKeyX: string): void => {
      hubKey = { keyId, publicKey: publicKeyFromX(publicKeyX) };
    },
    verifySigned: (raw: Raw): void => {
      must(hubKey, "the hub's identity is unknown (H01 failed)");
      const request: MessageView = {
        method: raw.method,
        targetUri: raw.url,
        header: (n) => raw.requestHeaders[n],
      };
      const response: MessageView = { status: raw.status, header: (n) => raw.headers.get(n) ?? undefined };
      try {
        verifyResponse(response, raw.text, request, hubKey.publicKey, hubKey.keyId);
      } catch (err) {
        throw new CheckFailed(`response signature does not verify: ${(err as Error).message}`);
      }
    },
  };
}
export type HubSession = ReturnType<typeof createHubSession>;
