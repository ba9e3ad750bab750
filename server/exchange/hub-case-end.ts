import { EndBody, type CaseReceipt } from "../contracts/exchange.js";
import { errors } from "../lib/errors.js";
import type { HubExchangePort } from "../hub/index.js";
import type { HubCaseDoc, HubExchangeModels } from "./hub-exchange.models.js";
import { caseReceipt, type createHubInbox } from "./hub-inbox.js";
import { hashOf, type createHubCaseOrder, type createNodeTx } from "./hub-case-order.js";
import { staysFiled } from "./hub-case-upkeep.js";
import { assertOwnOffice } from "./office-division.js";
import { checkEndDate, filingStart } from "./exchange-dates.js";

const noticeNotWithdrawn = () => errors.conflict("not_endable", "抄告只有在对方提出异议后才能撤回");

/**
 * The sender's ending of a case at the hub, apart from hub-exchange.service.ts (which composes
 * it): its rules differ by kind (a filing unfiles its sender, an agreed transfer gives the person
 * back to the home, a notice ends only once disputed), and they are the one step that reads the
 * case again inside its transaction to decide.
 */
export function createHubCaseEnd(
  m: Pick<HubExchangeModels, "Cases">,
  deps: {
    hub: Pick<HubExchangePort, "moveHome" | "unfile">;
    now: () => Date;
    caseFor: (caseId: string) => Promise<HubCaseDoc>;
    nodeTx: ReturnType<typeof createNodeTx>;
    orderPerson: ReturnType<typeof createHubCaseOrder>["orderPerson"];
    hold: ReturnType<typeof createHubInbox>["hold"];
  },
) {
  const { hub, now, caseFor, nodeTx, orderPerson, hold } = deps;
  return {
    /**
     * The sending province ends a filing, or withdraws a transfer its officer has not issued on;
     * the home province is told. A transfer the home had agreed to gives the pointer back to the
     * home (the agreement moved it; with no certificate issued, a transfer that could never
     * finish kept the person's one open transfer and sent their filings to a province holding no
     * certificate of them). A notice is withdrawn only once disputed (有异议, else for good), as
     * the province node's notEndable says; it filed no one, so it unfiles no one.
     */
    async end(caseId: string, raw: unknown, province: string, keyId?: string): Promise<CaseReceipt> {
      const end = EndBody.parse(raw);
      const c = await caseFor(caseId);
      if (c.fromProvince !== province)
        throw errors.forbidden("只有发起该事项的省份可以终止", "not_case_sender");
      if (c.kind === "notice" && c.state !== "problem" && c.state !== "ended") throw noticeNotWithdrawn();
      if (c.state === "ended") {
        if (hashOf(c.end) === hashOf(end)) return caseReceipt(c);
        throw errors.conflict("case_ended", "该事项已终止");
      }
      assertOwnOffice(end.officer.divisionCode, province, "officer.divisionCode");
      if (c.issued) throw errors.conflict("already_issued", "该转籍已换发证书，不能终止");
      const at = now();
      checkEndDate(end.endDate, filingStart(c.kind, (c.body as { details?: unknown }).details), at);
      return nodeTx(province, keyId, at, async (session) => {
        await orderPerson(c.idNumber, session);
        // Read again inside: an answer landing meanwhile decides whether the pointer moves back.
        const current = await m.Cases.findOne({ caseId }).session(session).lean<HubCaseDoc>();
        if (!current) throw errors.conflict("case_ended", "该事项已终止");
        if (current.state === "ended") {
          // A retry whose first attempt committed after the retry's read above (see sameStepOr).
          if (hashOf(current.end) === hashOf(end)) return caseReceipt(current);
          throw errors.conflict("case_ended", "该事项已终止");
        }
        if (current.issued) throw errors.conflict("already_issued", "该转籍已换发证书，不能终止");
        if (c.kind === "notice" && current.state !== "problem") throw noticeNotWithdrawn();
        const next: HubCaseDoc = { ...current, state: "ended", end, endedAt: at };
        const res = await m.Cases.updateOne(
          { caseId, state: current.state, issued: null },
          { $set: { state: "ended", end, endedAt: at }, $unset: { openKey: 1 } },
          { session },
        );
        if (res.matchedCount !== 1) throw errors.conflict("case_busy", "该事项正被处理，请稍后重试");
        const movedBack =
          c.kind === "transfer" &&
          current.state === "acknowledged" &&
          (await hub.moveHome(c.idNumber, c.fromProvince, c.toProvince, c.caseId, session));
        // Where the move back took the person, for new cases ordered after it (orderPerson).
        if (movedBack) await orderPerson(c.idNumber, session, c.toProvince);
        // A filing ended, or the move back (which files the province as a former home): the
        // sender keeps the person's changes only while another filing of theirs is open.
        if (c.kind === "notice" || (c.kind === "transfer" && !movedBack)) {
          await hold(session, c.toProvince, "state", next, at);
          return caseReceipt(next);
        }
        // A former home (the person transferred away from it) keeps their changes for good.
        if (!(await staysFiled(m, c, province, session))) await hub.unfile(c.idNumber, province, session);
        await hold(session, c.toProvince, "state", next, at);
        return caseReceipt(next);
      });
    },
  };
}
