import { randomUUID } from "node:crypto";
import type { ClientSession, Connection } from "mongoose";
import type { AuditLog, AuditRecordInput } from "../audit/index.js";
import type { QualificationRecord } from "../contracts/hub-collection.js";
import type {
  DismissContestBody,
  HomeContestDto,
  HomeContestListDto,
  HomeContestQuery,
  ReassignHomeBody,
} from "../contracts/hub-operator.js";
import { AppError, errors } from "../lib/errors.js";
import { newestPage } from "../lib/mongo.js";
import { createHubExchangePort } from "./exchange-port.js";
import { hubModels, type HomeContestDoc, type HubModels } from "./hub.models.js";
import { holdNodeForWrite } from "./node.model.js";
import type { PointerFacts } from "./pointer-view.js";

/**
 * Home contests (主管省份争议): the first province to publish a practitioner is their home for
 * good, and only an agreed transfer moves it, which needs a valid certificate on the pointer. A
 * province whose old register held the person's cancelled certificate, or any province publishing
 * an exam pass under an ID number nobody had published, became the home, and the person's real
 * province could neither publish them (not_home_province) nor take them by transfer
 * (certificate_not_valid). Such a record is refused home_contested and recorded here; the hub
 * operator reassigns the home, audited, when the records bear the claimant out. Never automatic:
 * a province publishing a pass would otherwise take anyone whose certificate lapsed.
 */

/** What a round needs of a refused record to record its contest. */
export interface ContestClaim {
  idNumber: string;
  name: string;
  homeProvince: string;
  claimant: string;
  pointerVersion: number;
  recordId: string;
  recordType: string;
}

/**
 * True when `record`, a new valid record from a province other than the home, contests the home:
 * the home published records of the person, and none is a valid certificate still within its
 * dates (only cancelled, revoked, withdrawn or expired ones, or only exam passes), or every record
 * it held was deleted (within the grace period that keeps it home). A home that
 * holds no record of the person at all (just moved to by a transfer, its certificate not yet
 * arrived) is not contested.
 */
export function contestsHome(
  record: QualificationRecord,
  heldOfPerson: readonly { record: PointerFacts }[],
  home: string,
  today: string,
): boolean {
  if (record.state !== "valid" || record.operation === "delete") return false;
  const homes = heldOfPerson.map((r) => r.record).filter((r) => r.sourceProvince === home);
  // Every record deleted, within the grace period that keeps the home (collection-rounds.ts).
  if (homes.length > 0 && homes.every((r) => r.operation === "delete")) return true;
  const live = homes.filter((r) => r.operation !== "delete");
  if (live.length === 0) return false;
  return !live.some(
    (r) =>
      r.recordType === "certificate" &&
      r.state === "valid" &&
      r.certificate?.status === "valid" &&
      r.certificate.validTo >= today,
  );
}

/**
 * The contest a new record from `signer`, not the practitioner's home, raises when it contests the
 * home (contestsHome), with the refusal's message; null when it is plainly not_home_province.
 */
export function homeContest(
  record: QualificationRecord,
  heldOfPerson: readonly { record: PointerFacts }[],
  pointer: { idNumber: string; name: string; homeProvince: string; version: number },
  signer: string,
  today: string,
): { message: string; contest: ContestClaim } | null {
  const home = pointer.homeProvince;
  if (!contestsHome(record, heldOfPerson, home, today)) return null;
  return {
    // Says only that the record is contested and who decides. The home's records (their status,
    // dates, or that they were deleted) are a catalog lookup's to tell, which names the officer, the
    // purpose and the case and is logged for the home: any province sending a record of an ID
    // number would otherwise read them in its receipt, unlogged.
    message:
      "本记录未写入：该从业人员的主管省份存在争议，已登记为主管省份争议，由全国中心核实后决定其主管省份",
    contest: {
      idNumber: pointer.idNumber,
      name: pointer.name,
      homeProvince: home,
      claimant: signer,
      pointerVersion: pointer.version,
      recordId: record.recordId,
      recordType: record.recordType,
    },
  };
}

/** Records (or refreshes) the open contest of each claim, in the round's transaction, in one write. */
export async function recordContests(
  m: Pick<HubModels, "HomeContests">,
  claims: readonly ContestClaim[],
  at: Date,
  session: ClientSession,
): Promise<void> {
  if (claims.length === 0) return;
  await m.HomeContests.bulkWrite(
    claims.map((c) => ({
      updateOne: {
        filter: { idNumber: c.idNumber, claimant: c.claimant, state: "open" },
        update: {
          $set: {
            name: c.name,
            homeProvince: c.homeProvince,
            pointerVersion: c.pointerVersion,
            recordId: c.recordId,
            recordType: c.recordType,
            lastAt: at,
          },
          $setOnInsert: {
            contestId: randomUUID(),
            firstAt: at,
            resolvedAt: null,
            resolvedBy: null,
            reason: null,
          },
          $inc: { attempts: 1 },
        },
        upsert: true,
      },
    })),
    // In order: a round holds one record of a person, but two of one claimant's would otherwise race.
    { session, ordered: true },
  );
}

type Actor = AuditRecordInput["actor"];
const actorDivision = (actor: Actor): string | null =>
  actor && "divisionCode" in actor ? actor.divisionCode : null;

/** The hub operator's list of contests and the audited reassignment of a contested home. */
export function createHomeContestService(conn: Connection, deps: { audit: AuditLog }) {
  const m = hubModels(conn);
  const port = createHubExchangePort(conn);

  const toDto = (
    c: HomeContestDoc,
    current: { version: number; homeProvince: string } | null,
  ): HomeContestDto => ({
    contestId: c.contestId,
    idNumber: c.idNumber,
    name: c.name,
    homeProvince: c.homeProvince,
    claimant: c.claimant,
    recordType: c.recordType === "certificate" ? "certificate" : "exam_pass",
    firstAt: c.firstAt.toISOString(),
    lastAt: c.lastAt.toISOString(),
    attempts: c.attempts,
    state: c.state === "reassigned" || c.state === "dismissed" ? c.state : "open",
    // An open contest whose pointer changed since its last refusal waits for the claimant's re-send.
    stale:
      c.state === "open" &&
      (!current || current.version !== c.pointerVersion || current.homeProvince !== c.homeProvince),
    resolvedAt: c.resolvedAt?.toISOString() ?? null,
    resolvedBy: c.resolvedBy?.name ?? null,
    reason: c.reason ?? null,
  });

  return {
    /**
     * A page of contests newest first (open ones by default), each saying whether its pointer changed
     * since; of one claimant or person when asked; how many match, and where the next page starts
     * (the last row's refusal time and id: the contests one batch raised share the time). A page
     * knows it is the last by reading one row more, not by being short: a page built from a full
     * page's last row offered exactly fifty contests a next page that held nothing.
     */
    async list(query: HomeContestQuery): Promise<HomeContestListDto> {
      const filter = {
        state: query.state,
        ...(query.claimant ? { claimant: query.claimant } : {}),
        ...(query.idNumber ? { idNumber: query.idNumber } : {}),
      };
      const { rows, total, next } = await newestPage(
        m.HomeContests,
        filter,
        { time: "lastAt", tie: "contestId" },
        query.before,
        query.limit,
      );
      const pointers = await m.Pointers.find(
        { idNumber: { $in: rows.map((r) => r.idNumber) } },
        { idNumber: 1, version: 1, homeProvince: 1 },
      ).lean();
      const byId = new Map(pointers.map((p) => [p.idNumber, p]));
      return { contests: rows.map((r) => toDto(r, byId.get(r.idNumber) ?? null)), total, next };
    },

    /**
     * Makes the contest's claimant the practitioner's home (as an agreed transfer's move does, one
     * change in the feed), with the operator's reason, audited in the same transaction. Refused
     * when the pointer changed since the contest was last refused (a new record, a transfer, another
     * reassignment): the operator decided on records that no longer stand.
     */
    async reassign(contestId: string, body: ReassignHomeBody, actor: Actor): Promise<HomeContestDto> {
      return deps.audit.transaction(async (session) => {
        const c = await m.HomeContests.findOne({ contestId }).session(session).lean();
        if (!c) throw errors.notFound("主管省份争议", "contest_not_found");
        if (c.state !== "open") throw errors.conflict("contest_closed", "该主管省份争议已处理");
        const stale = () =>
          errors.conflict(
            "contest_stale",
            "该从业人员的记录在争议登记后已有变化，请待提出省份重新发送记录后再处理",
          );
        const moved = await port.moveHome(
          c.idNumber,
          c.homeProvince,
          c.claimant,
          `contest:${contestId}`,
          session,
          {
            version: c.pointerVersion,
            keepFormerFiled: false,
          },
        );
        if (!moved) throw stale();
        // Ordered with the exchange's cases of the person, as an agreed transfer's move is.
        await port.orderHomeMove(c.idNumber, c.claimant, session);
        const at = new Date();
        // The home goes only to a province whose node may write: a suspended (or retired) claimant
        // could publish none of the person's records it now answers for. A write of the node's
        // document, so a suspension committing meanwhile conflicts and the decision is taken again.
        await holdNodeForWrite(conn, session, { provinceCode: c.claimant }, at).catch((err: unknown) => {
          if (!(err instanceof AppError)) throw err;
          throw errors.conflict(
            "claimant_not_active",
            `提出争议的省份 ${c.claimant} 的节点已停用或未启用，不能改定其为主管省份`,
          );
        });
        const resolvedBy = { id: actor && "id" in actor ? actor.id : "", name: actorName(actor) };
        const done = await m.HomeContests.findOneAndUpdate(
          { contestId, state: "open" },
          { $set: { state: "reassigned", resolvedAt: at, resolvedBy, reason: body.reason } },
          { session, returnDocument: "after" },
        ).lean();
        if (!done) throw errors.conflict("contest_closed", "该主管省份争议已处理");
        await deps.audit.append(session, {
          action: "hub.home_reassigned",
          actor,
          divisionCode: actorDivision(actor),
          target: { type: "practitioner", id: c.idNumber },
          details: { contestId, fromProvince: c.homeProvince, toProvince: c.claimant, reason: body.reason },
        });
        return toDto(done, null);
      });
    },

    /**
     * Closes an open contest keeping the current home (the operator found it right), with the
     * operator's reason, audited in the same transaction. A stale contest may be dismissed too: once
     * the home renewed the person, the claimant's re-send is refused not_home_province and would never
     * refresh it. A later refusal of the claimant's record opens a new contest.
     */
    async dismiss(contestId: string, body: DismissContestBody, actor: Actor): Promise<HomeContestDto> {
      return deps.audit.transaction(async (session) => {
        const at = new Date();
        const done = await m.HomeContests.findOneAndUpdate(
          { contestId, state: "open" },
          {
            $set: {
              state: "dismissed",
              resolvedAt: at,
              resolvedBy: { id: actor && "id" in actor ? actor.id : "", name: actorName(actor) },
              reason: body.reason,
            },
          },
          { session, returnDocument: "after" },
        ).lean();
        if (!done) {
          const exists = await m.HomeContests.exists({ contestId }).session(session);
          if (!exists) throw errors.notFound("主管省份争议", "contest_not_found");
          throw errors.conflict("contest_closed", "该主管省份争议已处理");
        }
        await deps.audit.append(session, {
          action: "hub.home_contest_dismissed",
          actor,
          divisionCode: actorDivision(actor),
          target: { type: "practitioner", id: done.idNumber },
          details: {
            contestId,
            keptProvince: done.homeProvince,
            claimant: done.claimant,
            reason: body.reason,
          },
        });
        return toDto(done, null);
      });
    },
  };
}
export type HomeContestService = ReturnType<typeof createHomeContestService>;

function actorName(actor: Actor): string {
  if (!actor) return "";
  return "displayName" in actor ? actor.displayName : actor.name;
}
