import type { Router } from "express";
import { z } from "zod";
import { actorOf, type Access } from "../access/index.js";
import {
  LegacyRegisterUpload,
  OfficerLookupBody,
  type LookupNoticesPage,
  type OutboundEntryDto,
} from "../contracts/hub.js";
import { ObjectIdString } from "../contracts/auth.js";
import { wholeNumber } from "../contracts/validation.js";
import { errors } from "../lib/errors.js";
import { noBody, parse, strictRouter } from "../lib/http.js";
import type { DeliveryState, OutboxEntry } from "../lib/outbox.js";
import type { LegacyImportService } from "./legacy-import.service.js";
import type { LookupService } from "./lookup.service.js";
import { retryOutbound, type RetryAuditPort } from "./outbound-retry.js";
import { recordOf, type HubDeliveryResult, type Publisher } from "./publisher.js";

/** Newest first, before this seq (the previous page's `nextCursor`). */
const NoticesQuery = z.strictObject({
  before: wholeNumber(1).optional(),
  limit: wholeNumber(1, 200).default(100),
});

/** The queue page's words for the outbox delivery states (a parked entry is a dead letter). */
const FROM_QUEUE_STATUS = {
  pending: "pending",
  sending: "processing",
  done: "done",
  dead: "failed",
} as const;
const TO_QUEUE_STATUS = { pending: "pending", processing: "sending", done: "done", failed: "dead" } as const;

function toOutboundDto(e: OutboxEntry, state: DeliveryState): OutboundEntryDto {
  const result = (state.result ?? {}) as Partial<HubDeliveryResult>;
  let recordId = result.recordId ?? null;
  if (!recordId) {
    try {
      recordId = recordOf(e).recordId;
    } catch {
      recordId = e.key;
    }
  }
  return {
    id: String(e._id),
    at: e.createdAt.toISOString(),
    event: e.name,
    recordId,
    idNumber: e.subject ?? "",
    status: TO_QUEUE_STATUS[state.status],
    attempts: state.attempts,
    outcome: result.outcome ?? null,
    reasons: result.reasons ?? [],
    lastError: state.lastError,
    hubSeq: result.hubSeq ?? null,
    receiptId: result.receiptId ?? null,
    availableAt: state.availableAt ? new Date(state.availableAt).toISOString() : null,
  };
}

const OutboundQuery = z.strictObject({
  status: z.enum(["pending", "sending", "done", "dead"]).optional(),
  limit: wholeNumber(1, 200).default(50),
});

/**
 * The province officer's side of sharing: lookups at the hub (each with a reason and a case
 * reference), the lookups others made of this province's practitioners, the delivery queue to the
 * hub with its dead letters and a retry, and the legacy register. All but the lookups are the
 * province level's tools: their policies (`sharing:queue`, `sharing:register`) name the levels, and
 * the access layer refuses a city or county account with `province_level_only`.
 */
export function sharingRouter(deps: {
  publisher: Publisher;
  lookups: LookupService;
  legacy: LegacyImportService;
  access: Access;
  /** Where a retry of a dead letter is audited, in the retry's own transaction. */
  audit: RetryAuditPort;
  /** Lookups made of this province's people, as the node keeps them (the exchange pulls them). */
  lookupNotices: (before: number | undefined, limit: number) => Promise<LookupNoticesPage>;
}): Router {
  const r = strictRouter();
  const queue = deps.access.route("sharing:queue");
  const register = deps.access.route("sharing:register");

  // Looking people up is an officer's business only: an administrator manages the node, not cases.
  r.post("/sharing/lookups", deps.access.route("sharing:lookup"), async (req, res) => {
    const body = parse(OfficerLookupBody, req.body);
    res.json(await deps.lookups.lookup(actorOf(req), body));
  });
  r.get("/sharing/lookup-notices", queue, async (req, res) => {
    const q = parse(NoticesQuery, req.query);
    res.json(await deps.lookupNotices(q.before, q.limit));
  });

  // The legacy register (数据清洗): check gives the cleaning report and writes nothing; publish
  // sends a clean register to the hub, or refuses the whole file with the same report.
  r.post("/sharing/legacy-register/check", register, async (req, res) => {
    res.json(await deps.legacy.check(actorOf(req), parse(LegacyRegisterUpload, req.body)));
  });
  r.post("/sharing/legacy-register/publish", register, async (req, res) => {
    res.json(await deps.legacy.publish(actorOf(req), parse(LegacyRegisterUpload, req.body)));
  });
  r.get("/sharing/outbound", queue, async (req, res) => {
    const q = parse(OutboundQuery, req.query);
    const rows = await deps.publisher.list({
      status: q.status ? FROM_QUEUE_STATUS[q.status] : undefined,
      limit: q.limit,
    });
    res.json(rows.map((e) => toOutboundDto(e, deps.publisher.stateOf(e))));
  });
  r.post("/sharing/outbound/:id/retry", queue, noBody, async (req, res) => {
    const id = parse(ObjectIdString, req.params.id);
    if (!(await retryOutbound(deps, actorOf(req), id))) throw errors.notFound("待重发的记录");
    res.json({ ok: true });
  });
  return r;
}
