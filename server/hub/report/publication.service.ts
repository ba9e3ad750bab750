import { createHash, sign } from "node:crypto";
import type { Connection } from "mongoose";
import type { AuthUser } from "../../contracts/auth.js";
import type { PublishedReport, PublishedReportSummary } from "../../contracts/hub-report.js";
import { canonicalJson, type AuditService } from "../../audit/index.js";
import { errors } from "../../lib/errors.js";
import { calendarMonthText } from "../../contracts/calendar-text.js";
import { formatShown } from "../../lib/local-time.js";
import { isDuplicateKey } from "../../lib/mongo.js";
import type { NodeKey } from "../../sharing/index.js";
import { monthWindow } from "./month.js";
import { reportModels } from "./report.models.js";
import type { ReportService } from "./report.service.js";

/**
 * Who published, as the public list of reports says it: the role and the organisation, never the
 * operator's name (only the hub_operator role may publish, see access/policies.ts). The name stays
 * on the stored report and in the audit log, for the hub's own people.
 */
export const PUBLIC_PUBLISHER = "全国中心运营人员";

/** How long after month end a report waits for batches received before it to be committed. */
export const REPORT_SETTLE_MS = 15 * 60_000;

/**
 * Publishing a monthly report (发布月度通报): the figures of a month that has ended, as canonical
 * JSON (keys sorted at every level), signed with the hub's Ed25519 node key — the key provinces
 * already pin for every hub answer. The stored bytes never change: a province that downloads the
 * report checks the signature over exactly those bytes (scripts/report-verify.ts, or openssl
 * `pkeyutl -verify -rawin`), so nobody, the hub included, can alter a published figure unseen.
 */
export function createPublicationService(
  conn: Connection,
  deps: { reports: ReportService; key: NodeKey; audit: AuditService; timeZone: string; now?: () => Date },
) {
  const { Published } = reportModels(conn);
  const now = deps.now ?? (() => new Date());

  const toEnvelope = (doc: { payload: string; signature: string; keyId: string; publicKey: string }): PublishedReport => ({
    format: "roadcert-signed/1",
    signer: { keyId: doc.keyId, alg: "ed25519", publicKey: doc.publicKey },
    payload: doc.payload,
    signature: doc.signature,
  });

  /** The published reports, newest first, naming the operator who published each (the hub's pages). */
  async function list(): Promise<PublishedReportSummary[]> {
    const rows = await Published.find({}, { _id: 0, month: 1, publishedAt: 1, publishedBy: 1, sha256: 1 }).sort({ month: -1 }).lean();
    return rows.map((r) => ({ month: r.month, publishedAt: r.publishedAt.toISOString(), publishedBy: r.publishedBy, sha256: r.sha256 }));
  }

  return {
    /** Signs and stores the report of an ended month, once; the audit entry is written in the same transaction. */
    async publish(month: string, actor: AuthUser): Promise<PublishedReportSummary> {
      const window = monthWindow(month, deps.timeZone, now());
      if (window.partial) throw errors.conflict("month_not_over", `${calendarMonthText(month)} 尚未结束，月末之后才能发布通报`);
      // The ledger dates a record by its batch's arrival, and a batch that arrived at 23:59:59
      // commits its rounds a little later: published at once, the report (which never changes)
      // would miss them.
      const settled = new Date(window.to.getTime() + REPORT_SETTLE_MS);
      if (now() < settled)
        throw errors.conflict(
          "month_not_settled",
          `${calendarMonthText(month)} 月末收到的批次可能仍在入库，请于 ${formatShown(settled, deps.timeZone, "minute")} 之后发布通报`,
        );
      const alreadyPublished = () => errors.conflict("report_already_published", `${calendarMonthText(month)} 的通报已发布，不可更改`);
      if (await Published.exists({ month })) throw alreadyPublished();
      const report = await deps.reports.monthReport(month);
      const bytes = Buffer.from(canonicalJson(report), "utf8");
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      const doc = {
        month,
        payload: bytes.toString("base64url"),
        signature: sign(null, bytes, deps.key.privateKey).toString("base64url"),
        keyId: deps.key.keyId,
        publicKey: deps.key.publicKeyX,
        sha256,
        publishedAt: now(),
        publishedBy: actor.displayName,
      };
      await deps.audit.transaction(async (session) => {
        await Published.create([doc], { session });
        await deps.audit.append(session, {
          action: "hub.report_published",
          actor,
          divisionCode: actor.divisionCode,
          target: { type: "monthly_report", id: month },
          details: { sha256, provinces: report.provinces.length },
        });
      }).catch((err: unknown) => {
        // Published by a concurrent request after the check above: the unique month refused this
        // one, which gets the same answer as a later request.
        throw isDuplicateKey(err, "month") ? alreadyPublished() : err;
      });
      return { month, publishedAt: doc.publishedAt.toISOString(), publishedBy: doc.publishedBy, sha256 };
    },

    list,

    /** The same list for anyone: the publisher is the role, not a person (PUBLIC_PUBLISHER). */
    async publicList(): Promise<PublishedReportSummary[]> {
      return (await list()).map((r) => ({ ...r, publishedBy: PUBLIC_PUBLISHER }));
    },

    /** The signed report of a month, exactly as published. */
    async get(month: string): Promise<PublishedReport> {
      const doc = await Published.findOne({ month }).lean();
      if (!doc) throw errors.notFound(`${calendarMonthText(month)} 的月度通报`, "report_not_published");
      return toEnvelope(doc);
    },
  };
}
export type PublicationService = ReturnType<typeof createPublicationService>;
