import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { createCaseReads } from "../../../server/exchange/province-case-reads.js";
import { provinceExchangeModels } from "../../../server/exchange/province-exchange.models.js";
import { useTestDatabase } from "../../helpers/database.js";
import { anOfficer } from "./support.js";

const HOUR = 3_600_000;

describe("cross-province exchange: the province's case list filters and the practitioner page's lookups", () => {
  const db = useTestDatabase("caseread");
  const jiangsu = anOfficer("320000", "江苏省业务员");
  const now = new Date("2026-12-07T02:00:00.000Z");
  const reads = () => createCaseReads(db.conn, { databaseNow: () => Promise.resolve(now) });

  /** A case received in 江苏 in `state`, due at `deadlineAt`, escalated by the hub or not. */
  async function aReceivedCase(
    state: "delivered" | "acknowledged",
    deadlineAt: Date,
    overdue = false,
  ): Promise<string> {
    const caseId = randomUUID();
    await provinceExchangeModels(db.conn).Cases.create({
      caseId,
      kind: "filing",
      box: "in",
      state,
      fromProvince: "110000",
      toProvince: "320000",
      division: "320100",
      idNumber: "110105199001011234",
      name: "测试人",
      details: {},
      sentAt: new Date(deadlineAt.getTime() - 72 * HOUR),
      deadlineAt,
      overdue,
    });
    return caseId;
  }

  it("when the officer lists received cases with overdue=false, then only the cases not overdue are listed, the opposite of overdue=true", async () => {
    const late = await aReceivedCase("delivered", new Date(now.getTime() - HOUR));
    const escalated = await aReceivedCase("acknowledged", new Date(now.getTime() - 2 * HOUR), true);
    const onTime = await aReceivedCase("delivered", new Date(now.getTime() + HOUR));
    // Answered before its deadline passed: no longer open, so not overdue whatever the clock says.
    const answered = await aReceivedCase("acknowledged", new Date(now.getTime() - 3 * HOUR));
    const ids = (overdue: "true" | "false") =>
      reads()
        .list(jiangsu, { box: "in", overdue, limit: 200 })
        .then((page) => page.cases.map((c) => c.caseId));
    const overdue = await ids("true");
    const notOverdue = await ids("false");
    expect(overdue).to.include.members([late, escalated]);
    expect(overdue).to.not.include.members([onTime]);
    expect(notOverdue).to.include.members([onTime, answered]);
    expect(notOverdue).to.not.include(late);
    expect(notOverdue).to.not.include(escalated);
  });

  it("when a practitioner was looked up elsewhere, then the practitioner page names each lookup by the hub's lookupId", async () => {
    const lookupId = randomUUID();
    await provinceExchangeModels(db.conn).LookupNotices.create({
      seq: 1,
      lookupId,
      idNumber: "320102199001011238",
      at: new Date(now.getTime() - HOUR),
      requestingProvince: "110000",
      officerId: "officer-bj",
      officerName: "李执法",
      reason: "enforcement",
      caseReference: "京交执 2026-1",
    });
    const page = await reads().ofPractitioner(jiangsu, "320102199001011238");
    expect(page.lookups).to.have.length(1);
    expect(page.lookups[0]).to.include({
      lookupId,
      requestingProvince: "110000",
      caseReference: "京交执 2026-1",
    });
  });
});
