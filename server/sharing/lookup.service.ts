import type { AuditAction, AuditActor } from "../contracts/audit.js";
import type { AuthUser } from "../contracts/auth.js";
import { LookupAnswer, type LookupBody, type OfficerLookupBody } from "../contracts/hub.js";
import { AppError, wholePositiveSeconds } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import type { LookupLimiter } from "./lookup-limits.js";
import { TransportError, type NodeClient, type SignedAnswer } from "./node-client.js";

/** Who a lookup is made for: an officer, or the node itself (an automatic issue's home check). */
export type LookupActor = AuthUser | AuditActor;

/** The official's name the hub logs and the home province reads. */
const nameOf = (actor: LookupActor): string => ("displayName" in actor ? actor.displayName : actor.name);

/** The slice of the audit log a lookup needs: one entry in a transaction of its own. */
export interface LookupAuditPort {
  record(input: {
    action: AuditAction;
    actor: LookupActor;
    divisionCode?: string | null;
    target?: { type: string; id: string } | null;
    details?: Record<string, unknown>;
  }): Promise<unknown>;
}

function queryTarget(q: LookupBody["query"]): string {
  return q.by === "certificate_number" ? q.certificateNumber : q.idNumber;
}

/**
 * The hub's 429 as the officer gets it: still 429 under the hub's code (`rate_limited`), with the
 * wait the hub named in `details.retryAfterSeconds`, so the HTTP layer sets Retry-After and the
 * app counts it down. The wait in the signed body is believed first; the Retry-After header,
 * which the signature does not cover, only when the body names none.
 */
function rateRefusal(answer: Pick<SignedAnswer, "error" | "retryAfterSeconds">): AppError {
  const details = answer.error?.details as { retryAfterSeconds?: unknown } | null | undefined;
  const seconds = wholePositiveSeconds(details?.retryAfterSeconds) ?? wholePositiveSeconds(answer.retryAfterSeconds);
  const code = answer.error?.code ?? "hub_429";
  if (seconds === null) return new AppError(code, 429, "全国库查询过于频繁，请稍后再试");
  return new AppError(code, 429, `全国库查询过于频繁，请 ${seconds} 秒后再试`, { retryAfterSeconds: seconds });
}

/**
 * A province officer's lookups at the hub's catalog interface, through this node's signed client.
 * The node names the officer (their account id) and records the attempt in its own audit log
 * before asking: a lookup that cannot be accounted for here is not made (Prüm: the official, the
 * purpose and the case are kept at both ends). Once the hub has answered, a second entry records
 * the outcome: the hub's `lookupId` and how many it found, or the code it was refused with (the
 * log is hash-chained, so the attempt's entry is completed by another, never edited). An answer
 * is shown only once its entry is written (503 lookup_not_recorded otherwise).
 *
 * Each account's lookups are limited per minute and per day (`limiter`, counted in the node's
 * database across its instances) before anything is logged or sent: the hub only limits the node
 * as a whole, so one account looping over guessed ID numbers would otherwise go unchecked.
 */
export function createLookupService(deps: {
  client: () => NodeClient | null;
  audit: LookupAuditPort;
  logger: Logger;
  /** The per-account limit (createLookupLimiter): every lookup is counted before the hub is asked. */
  limiter: LookupLimiter;
}) {
  async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<SignedAnswer<T>> {
    const client = deps.client();
    if (!client) throw new AppError("hub_not_configured", 503, "本节点尚未接入全国中心，暂不能查询");
    let answer: SignedAnswer<T>;
    try {
      answer = await client.call<T>(method, path, body);
    } catch (err) {
      deps.logger.warn({ err, path }, "hub call failed");
      const reason = err instanceof TransportError && err.code === "response_unverified" ? "全国中心的应答签名无效" : "无法连接全国中心";
      throw new AppError("hub_unreachable", 502, `${reason}，请稍后重试`);
    }
    if (answer.status === 429) throw rateRefusal(answer);
    if (answer.status !== 200) {
      const code = answer.error?.code ?? `hub_${answer.status}`;
      const message = answer.error?.message ?? "全国中心拒绝了请求";
      // The hub's refusal is passed on as it said it (400 stays 400); anything else is a gateway error.
      throw new AppError(code, answer.status === 400 ? 400 : 502, `全国中心：${message}`);
    }
    return answer;
  }

  /**
   * A refusal's outcome entry. The attempt is on record already and no lookup id came back that a
   * case could cite, so a failure to write it does not hide the refusal from the officer: it is
   * logged loudly instead.
   */
  async function recordRefusal(input: Parameters<LookupAuditPort["record"]>[0]): Promise<void> {
    await deps.audit.record(input).catch((err: unknown) => {
      deps.logger.error({ err, action: input.action }, "lookup outcome not recorded in the audit log");
    });
  }

  /**
   * One lookup at the hub for `actor`, its attempt and its outcome in the audit log (entries under
   * `divisionCode`): what an officer's lookup and the node's own home check share.
   */
  async function ask(actor: LookupActor, input: OfficerLookupBody, divisionCode: string | null): Promise<LookupAnswer> {
    const body: LookupBody = { ...input, officerId: actor.id, officerName: nameOf(actor) };
    const entry = {
      actor,
      divisionCode,
      target: { type: "practitioner", id: queryTarget(input.query) },
    };
    const asked = { by: input.query.by, reason: input.reason, caseReference: input.caseReference };
    await deps.audit.record({ ...entry, action: "hub.lookup", details: asked });
    let answer: LookupAnswer;
    try {
      const signed = await call<unknown>("POST", "/api/hub/v1/catalog/lookups", body);
      const parsed = LookupAnswer.safeParse(signed.body);
      if (!parsed.success) throw new AppError("hub_answer_invalid", 502, "全国中心的应答不符合接口规范");
      answer = parsed.data;
    } catch (err) {
      const code = err instanceof AppError ? err.code : "internal_error";
      await recordRefusal({ ...entry, action: "hub.lookup_refused", details: { ...asked, code } });
      throw err;
    }
    // Written before the answer is shown, or the answer is not shown: a case may cite only a
    // lookup this entry names the account of (lookup_unknown otherwise), and an answer the node
    // cannot account for is one Prüm-style logging forbids. The hub has logged its side; the
    // officer looks again.
    await deps.audit
      .record({
        ...entry,
        action: "hub.lookup_answered",
        details: { ...asked, lookupId: answer.lookupId, matches: answer.matches.length },
      })
      .catch((err: unknown) => {
        deps.logger.error({ err, lookupId: answer.lookupId }, "lookup outcome not recorded: answer withheld");
        throw new AppError("lookup_not_recorded", 503, "查询结果未能记入本节点审计日志，请重新查询", undefined, {
          cause: err,
        });
      });
    return answer;
  }

  return {
    async lookup(actor: AuthUser, input: OfficerLookupBody): Promise<LookupAnswer> {
      await deps.limiter.admit(actor.id);
      return ask(actor, input, actor.divisionCode ?? null);
    },
    /**
     * The home province (主管省份) the hub's pointer index names for `idNumber`, or null when it
     * knows nobody under it: the node's own check before a first certificate (certificates'
     * HolderHomePort), a lookup like any other, logged here and at the hub, which tells the home
     * province. The hub's reasons are an officer's purposes and none is "issuance"; the check is
     * made because the person applied here for a certificate (registered, sat and passed), so it
     * names `holder_request` (本人申请), and `caseReference` names the pass. It cannot found a
     * filing or a transfer either (the hub takes only filing/transfer lookups for those), so the
     * officer still looks the person up for the transfer the refusal points to. (A reason of its
     * own would be a change of the hub's interface, the hub upgraded first, as `transfer` was.)
     * Not counted against the account's limit (`limiter`): it is asked of one pass the officer may
     * issue, not of an ID number typed in, and an automatic issue of a whole session would
     * otherwise spend the day's lookups of the system account in one publication.
     */
    async homeOf(check: {
      idNumber: string;
      asker: LookupActor;
      divisionCode: string;
      caseReference: string;
    }): Promise<string | null> {
      const query = { by: "id_number" as const, idNumber: check.idNumber };
      const input = { query, reason: "holder_request" as const, caseReference: check.caseReference };
      const answer = await ask(check.asker, input, check.divisionCode);
      return answer.matches[0]?.homeProvince ?? null;
    },
  };
}
export type LookupService = ReturnType<typeof createLookupService>;
