import type { Connection } from "mongoose";
import { AppError, errors } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import { certificateModel } from "./certificate.model.js";
import type { IssuanceLean, IssuancePorts } from "./issuance.service.js";
import type { Actor } from "./record.js";

/**
 * What issuance asks of the national hub before a first certificate (sharing's signed client, given
 * by the composition root on a node with a hub; absent without one, and issuance goes on as before).
 */
export interface HolderHomePort {
  /**
   * The province the hub's pointer index names as the home (主管省份) of the person under
   * `idNumber`, or null when the hub knows nobody under it. A catalog lookup like an officer's,
   * logged at both ends, made for `asker` (the issuing officer, or the system on automatic issue)
   * with `caseReference` naming the pass. Throws when the hub does not answer.
   */
  homeOf(ask: {
    idNumber: string;
    asker: Actor;
    divisionCode: string;
    caseReference: string;
  }): Promise<string | null>;
}

/** The case reference a home check names at the hub: the pass's issuance (what the home province reads in its lookup log). */
export const homeCheckReference = (issuanceId: string): string => `发证前核验:${issuanceId}`;

/** The refusal of a first issue the hub could not be asked about; `hubCode`: why (null: not asked, or no code). */
const homeUnknown = (hubCode: string | null): AppError =>
  errors.conflict(
    "holder_home_unknown",
    "首次发证前须向全国中心核实该考生的主管省份，但暂时无法从全国中心取得答复；为免签发外省无法核验的证书，暂不发证（本记录保留待发），请稍后再试",
    { hubCode },
  );

/**
 * How long after a check the hub did not answer an automatic issue refuses first issues without
 * asking again. A publication issues its session's passes one after another inside the event's
 * delivery, and a hub that swallows requests costs the client's whole timeout (15 s) each: a
 * session of hundreds would hold the delivery for an hour. An officer's issue always asks.
 */
export const AUTO_ISSUE_HUB_QUIET_MS = 60_000;

/**
 * Why a first certificate of `idNumber` may not be issued here, or null when it may: the hub's
 * pointer index homes the person in another province. Only the home writes new records of a
 * person at the hub (not_home_province), so a certificate issued here would look valid on this
 * node's pages and be refused at the hub, parked for good: no other province could ever verify it,
 * and the person would hold two provinces' certificates (one licence per person, as EUCARIS/RESPER
 * hold). The way here is a transfer (跨省转籍), which moves the home; a person working here under
 * the home's certificate is filed (异地从业备案), and the home adds the category.
 *
 * A hub that cannot answer refuses too (`holder_home_unknown`), as issuance refuses a key the hub
 * does not list yet (signing_key_not_at_hub) and a transfer whose home record it cannot read
 * (source_status_unknown): issued blind, the certificate may be the one nobody can verify. Both
 * refusals keep the pass pending with the reason (the officer retries once the hub answers, or
 * once the transfer is done); a first issue waits for the hub, a category added to or a renewal of
 * a certificate this node holds does not (no home check: the node is the home of its own holders,
 * and one it transferred away is refused holder_transferred_away).
 */
export async function holderHomeRefusal(
  port: HolderHomePort,
  ask: Parameters<HolderHomePort["homeOf"]>[0],
  opts: { provinceCode: string; authorityOf: (code: string) => string; logger?: Pick<Logger, "warn"> },
): Promise<AppError | null> {
  let home: string | null;
  try {
    home = await port.homeOf(ask);
  } catch (err) {
    opts.logger?.warn({ err, idNumber: ask.idNumber }, "home check at the hub before a first issue failed");
    return homeUnknown(err instanceof AppError ? err.code : null);
  }
  if (home === null || home === opts.provinceCode) return null;
  const authority = opts.authorityOf(home);
  return errors.conflict(
    "holder_home_elsewhere",
    `全国中心登记该考生的从业资格由${authority}管理（主管省份），本省不能为其首次发证（一人只持一证：本省签发的证书全国中心将拒收，外省无法核验）。` +
      "持证人转入本省的，请先经跨省交换办理转籍，转入后再对本记录发证（本记录保留待发）；" +
      `仅在本省从业的，请为其办理异地从业备案，告知持证人向${authority}申请增加此类别，并驳回本记录、注明原因`,
    { homeProvince: home },
  );
}

/**
 * Issuance's check before a first issue: with a hub (`ports.holderHome`) and no certificate of the
 * holder here in any status, asks the hub once per issue, before anything is sealed; refused, the
 * pass stays pending with the reason (`noteWhyPending`), as for holder_transferred_away.
 */
export function createHomeCheck(
  conn: Connection,
  ports: Pick<IssuancePorts, "holderHome" | "provinceCode" | "divisionName" | "logger">,
  noteWhyPending: (pending: IssuanceLean, reason: string) => Promise<void>,
) {
  const Certificates = certificateModel(conn);
  /** Until when (this instance's time) automatic issues refuse without asking (AUTO_ISSUE_HUB_QUIET_MS). */
  let quietUntil = 0;
  return async function assertHomeHere(actor: Actor, pending: IssuanceLean): Promise<void> {
    if (!ports.holderHome || (await Certificates.exists({ certificateNo: pending.idNumber }))) return;
    const automatic = actor.kind === "system";
    const refusal =
      automatic && Date.now() < quietUntil
        ? homeUnknown(null)
        : await holderHomeRefusal(
            ports.holderHome,
            {
              idNumber: pending.idNumber,
              asker: actor,
              divisionCode: pending.divisionCode,
              caseReference: homeCheckReference(String(pending._id)),
            },
            { provinceCode: ports.provinceCode, authorityOf: ports.divisionName, logger: ports.logger },
          );
    if (automatic && refusal?.code === "holder_home_unknown" && Date.now() >= quietUntil)
      quietUntil = Date.now() + AUTO_ISSUE_HUB_QUIET_MS;
    if (!refusal) return;
    await noteWhyPending(pending, refusal.message);
    throw refusal;
  };
}
