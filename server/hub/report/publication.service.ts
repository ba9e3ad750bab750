import { createHash, sign } from "node:crypto";
import type { Connection } from "mongoose";
import type { AuthUser } from "../../contracts/auth.js";
import {
  CurrentMonthReport,
  MonthReport,
  type PublishedReport,
  type PublishedReportSummary,
} from "../../contracts/hub-report.js";
import { canonicalJson, type AuditService } from "../../audit/index.js";
import { errors } from "../../lib/errors.js";
import { calendarMonthText } from "../../contracts/calendar-text.js";
import { formatShown } from "../../lib/local-time.js";
import { isDuplicateKey } from "../../lib/mongo.js";
import type { NodeKey } from "../../sharing/index.js";
import { monthWindow } from "./month.js";
import { conformingReport } from "./report-contract.js";
import { reportModels } from "./report.models.js";
import type { ExchangeFactsPort, ReportService } from "./report.service.js";

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
  deps: {
    reports: ReportService;
    key: NodeKey;
    audit: AuditService;
    timeZone: string;
    now?: () => Date;
    exchange?: ExchangeFactsPort;
  },
) {
  const { Published } = reportModels(conn);
  const now = deps.now ?? (() => new Date());

  const toEnvelope = (doc: { payload: string; signature: string; keyId: string; publicKey: string }): PublishedReport => ({
    format: "roadcert-signed/1",
    signer: { keyId: doc.keyId, alg: "ed25519", publicKey: doc.publicKey },
    payload: doc.payload,
    signature: doc.signature,
  });

  /**
   * A cross-province case counts in the month it was sent once it is answered or its deadline has
   * passed (exchange-stats.ts): published earlier, the report would leave out every case of the
   * month's last days still within its deadline, and no later month counts them. So a month waits
   * for its last case's deadline (month end + the longest deadline + the settling time), and then
   * for any case still open within a longer deadline of its own (set before the setting was lowered).
   */
  async function assertExchangeDecided(window: { month: string; from: Date; to: Date }): Promise<void> {
    if (!deps.exchange) return;
    const hours = deps.exchange.longestAnswerHours ?? 0;
    const decided = new Date(window.to.getTime() + hours * 3_600_000 + REPORT_SETTLE_MS);
    if (now() < decided)
      throw errors.conflict(
        "exchange_answers_pending",
        `${calendarMonthText(window.month)} 月末发出的跨省协同案件最长有 ${hours} 小时确认期限，期满后方能计入协同响应率；请于 ${formatShown(decided, deps.timeZone, "minute")} 之后发布通报`,
      );
    const rows = await deps.exchange.stats(window);
    const pending = rows.reduce((n, r) => n + r.waitingOpen - r.overdueOpen, 0);
    if (pending > 0)
      throw errors.conflict(
        "exchange_answers_pending",
        `${calendarMonthText(window.month)} 发出的跨省协同案件中仍有 ${pending} 件未答复且未到确认期限；待其答复或逾期后方可发布通报`,
      );
  }

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
      await assertExchangeDecided(window);
      // Parsed before it is signed: what verifiers read (verifyPublishedReport) must be what is signed.
      const report = conformingReport(CurrentMonthReport, await deps.reports.monthReport(month));
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

    /**
     * The figures of a published month as signed, read from the stored bytes (null when the month
     * is unpublished): a published figure never changes, so the hub's pages and CSV show these, not
     * figures recomputed since (late exchange answers, provinces registered later, other settings).
     */
    async signedReport(month: string): Promise<MonthReport | null> {
      const doc = await Published.findOne({ month }, { _id: 0, payload: 1 }).lean();
      if (!doc) return null;
      let stored: unknown;
      try {
        stored = JSON.parse(Buffer.from(doc.payload, "base64url").toString("utf8"));
      } catch {
        stored = undefined;
      }
      return conformingReport(MonthReport, stored);
    },
  };
}
export type PublicationService = ReturnType<typeof createPublicationService>;
