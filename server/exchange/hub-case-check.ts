import type { CaseBody } from "../contracts/exchange.js";
import type { LookupReason } from "../contracts/hub.js";
import { errors, type AppError } from "../lib/errors.js";
import { chinaDate } from "../lib/local-time.js";
import type { HubExchangePort } from "../hub/index.js";

/** A lookup older than this cannot found a filing or transfer: look again. */
const LOOKUP_VALID_DAYS = 30;

/**
 * The lookup reasons a case may cite. A transfer's own reason is `transfer` (转籍); `filing` is
 * taken for it too, as provinces' software written before `transfer` existed looks transfers up so.
 */
const REASONS_FOR: Record<CaseBody["kind"], readonly LookupReason[]> = {
  filing: ["filing"],
  transfer: ["transfer", "filing"],
  notice: ["enforcement"],
};
const REASON_WORDS: Record<CaseBody["kind"], string> = {
  filing: "“备案”",
  transfer: "“转籍”或“备案”",
  notice: "“执法”",
};

/** The one refusal of a notice citing no lookup that the hub cannot deliver, whatever the reason. */
const noticeNeedsLookup = () =>
  errors.unprocessable(
    "lookup_required",
    "全国中心无法按所填身份证号码和姓名投递该抄告：请先以“执法”事由查询该从业人员，再凭查询凭证发送",
  );

/**
 * The hub's checks of a new filing, transfer or notice against its own records (the pointer index
 * and the catalog lookup the case cites), before it is taken: what hub-exchange.service.ts's
 * `submit` asks first.
 */
export function createHubCaseCheck(
  hub: Pick<HubExchangePort, "practitioner" | "lookup" | "issuingDivision">,
) {
  /** Refuses what the hub's own records contradict; returns the home province and responsible office. */
  return async function check(
    body: CaseBody,
    sender: string,
    at: Date,
  ): Promise<{ home: string; responsible: string }> {
    // Independent reads, both needed by every filing and transfer: one wait instead of two.
    const [p, lookup] = await Promise.all([
      hub.practitioner(body.practitioner.idNumber),
      body.lookupId ? hub.lookup(body.lookupId) : null,
    ]);
    // The lookup first: every refusal below says something about the person (known, whose, which
    // name, which certificate state), and a case refused is no lookup on record. Checked later, a
    // filing with any lookup id made an unlogged lookup of anyone.
    if (body.lookupId !== undefined || body.kind !== "notice") {
      const wanted = REASONS_FOR[body.kind];
      const fresh = lookup && at.getTime() - lookup.at.getTime() <= LOOKUP_VALID_DAYS * 86_400_000;
      if (
        !lookup ||
        !fresh ||
        lookup.requestingProvince !== sender ||
        !wanted.includes(lookup.reason as LookupReason) ||
        !lookup.matches.some((x) => x.idNumber === body.practitioner.idNumber)
      )
        throw errors.unprocessable(
          "lookup_mismatch",
          `查询凭证不符：须为本省 ${LOOKUP_VALID_DAYS} 日内以${REASON_WORDS[body.kind]}事由查到该从业人员的查询`,
        );
    }
    // A notice may cite no lookup: the penalising officer has the card and the decision in hand,
    // and a notice taken reaches the home province, which sees who sent it. One refused reaches
    // nobody: told apart, these refusals answered, with no lookup on record (Prüm, EUCARIS: every
    // query logged with officer and reason), whether the index knows an ID number, whose it is
    // and under which name. Such a notice gets one answer for all three, naming the lookup to make.
    const unlogged = body.lookupId === undefined;
    const refuse = (precise: AppError) => (unlogged ? noticeNeedsLookup() : precise);
    // A person whose every record was deleted is unknown here too, as lookups answer (pointer-view.ts).
    if (!p || p.live === false) throw refuse(errors.notFound("该从业人员的资格记录", "practitioner_unknown"));
    if (p.homeProvince === sender)
      throw refuse(errors.unprocessable("own_practitioner", "该从业人员的资格由本省管理，无需跨省办理"));
    if (p.name !== body.practitioner.name)
      throw refuse(errors.unprocessable("identity_mismatch", "姓名与全国中心记录的身份证号码不符"));
    if (body.kind !== "notice") {
      if (!p.certificateNumber) throw errors.conflict("no_certificate", "该从业人员尚未取得从业资格证");
      if (p.certificateStatus !== "valid")
        throw errors.conflict(
          "certificate_not_valid",
          "该从业人员的从业资格证已注销、吊销或撤销，不能备案或转籍",
        );
      // Past its validTo a certificate no longer qualifies, though its status still reads valid
      // until the home province cancels it (180 days on): the day compared is China's calendar day
      // of the filing, as certificates print and count their dates.
      if (p.validTo && p.validTo < chinaDate(at))
        throw errors.conflict(
          "certificate_expired",
          `该从业人员的从业资格证已于 ${p.validTo} 过期，须换证后方可备案或转籍`,
        );
    }
    return { home: p.homeProvince, responsible: await hub.issuingDivision(p) };
  };
}
