import { expect } from "chai";
import { z } from "zod";
import { chinaDate } from "../../../server/lib/local-time.js";
import { aCertifiedPractitioner, aNotice, anOfficer, useExchangeNetwork } from "./support.js";

/**
 * A province node a week older than the hub (ba20fd28, 2026-12-04) reads the hub's inbox pages with
 * its own contract, and one message it cannot parse stops its inbox pull, and the lookup-notice
 * pull behind it, for good. A notice (抄告) its sender withdrew reaches the home as state `ended`:
 * that node's case states always had `ended` (filings end), its ending body is strict.
 */
describe("cross-province exchange: a withdrawn notice as a week-old home province reads it", () => {
  const net = useExchangeNetwork();
  const bjCounty = anOfficer("110105", "朝阳区业务员");
  const jsProvince = anOfficer("320000", "江苏省厅业务员");

  // The week-old node's inbox message, as strict as it was where it was strict; unknown keys stripped.
  const olderOfficer = z.object({ id: z.string(), name: z.string(), divisionCode: z.string() }).strict();
  const olderMessage = z.object({
    seq: z.int(),
    messageId: z.string().uuid(),
    type: z.enum(["case", "state"]),
    caseId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
    kind: z.enum(["filing", "transfer", "notice"]),
    state: z.enum(["queued", "sent", "delivered", "acknowledged", "problem", "ended", "refused"]),
    end: z.object({ endDate: z.string(), reason: z.string(), officer: olderOfficer }).strict().nullable(),
  });
  const olderPage = z.object({ messages: z.array(olderMessage), nextCursor: z.int(), hasMore: z.boolean() });
  // Its RANK (inbox-apply.ts then): a message moves a case on, never back.
  const OLDER_RANK = { queued: 0, refused: 0, sent: 1, delivered: 2, acknowledged: 3, problem: 3, ended: 4 };

  it("when 北京 withdraws a notice 江苏 disputed, then 江苏's week-old node parses the page and its copy moves to ended", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const notice = await net.beijing.exchange.notify(bjCounty, { practitioner: p, details: aNotice() });
    await net.jiangsu.pull();
    await net.jiangsu.exchange.answer(jsProvince, notice.caseId, {
      outcome: "problem",
      problem: { code: "other", note: "处罚决定书文号与事实不符" },
    });
    await net.jiangsu.send();
    await net.beijing.pull();
    await net.beijing.exchange.end(bjCounty, notice.caseId, {
      endDate: chinaDate(new Date()),
      reason: "决定书有误，撤回重报",
    });
    await net.beijing.send();
    const raw = await net.jiangsu.client.call<unknown>("GET", "/api/hub/v1/exchange/inbox?after=0&limit=500");
    const page = olderPage.parse(raw.body);
    const mine = page.messages.filter((m) => m.caseId === notice.caseId);
    expect(mine.map((m) => [m.type, m.state])).to.deep.include(["state", "ended"]);
    const last = mine.reduce(
      (state: keyof typeof OLDER_RANK, m) => (OLDER_RANK[m.state] > OLDER_RANK[state] ? m.state : state),
      "problem",
    );
    expect(last).to.equal("ended");
  });
});
