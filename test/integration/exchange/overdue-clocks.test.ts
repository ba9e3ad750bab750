import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { createCaseReads } from "../../../server/exchange/province-case-reads.js";
import { provinceExchangeModels } from "../../../server/exchange/province-exchange.models.js";
import { databaseTime } from "../../../server/lib/mongo.js";
import { useTestDatabase } from "../../helpers/database.js";
import { anOfficer } from "./support.js";

const TEN_MINUTES = 10 * 60_000;
const FIVE_MINUTES = 5 * 60_000;

/**
 * Whether a received case is overdue is decided by the database's clock, as the outbox and the
 * exchange sender decide due times (cbe1a84), not by the clock of the instance answering: instances
 * of one node must agree on the escalation list. Here the instance's clock is the real one and the
 * database's is given ten minutes off it.
 */
describe("cross-province exchange: overdue by the database's clock", () => {
  const db = useTestDatabase("overdue");
  const jiangsu = anOfficer("320000", "江苏省业务员");

  /** A case received in 江苏, unanswered, due at `deadlineAt` (never escalated by the hub yet). */
  async function aReceivedCase(deadlineAt: Date): Promise<string> {
    const caseId = randomUUID();
    await provinceExchangeModels(db.conn).Cases.create({
      caseId,
      kind: "filing",
      box: "in",
      state: "delivered",
      fromProvince: "110000",
      toProvince: "320000",
      division: "320100",
      idNumber: "110105199001011234",
      name: "测试人",
      details: {},
      sentAt: new Date(deadlineAt.getTime() - 48 * 3_600_000),
      deadlineAt,
    });
    return caseId;
  }

  async function seen(caseId: string, databaseOffsetMs: number) {
    const reads = createCaseReads(db.conn, {
      databaseNow: async () => new Date((await databaseTime(db.conn)).getTime() + databaseOffsetMs),
    });
    return {
      flag: (await reads.get(jiangsu, caseId)).overdue,
      listed: (await reads.list(jiangsu, { box: "in", overdue: "true", limit: 200 })).cases.some((c) => c.caseId === caseId),
      escalated: (await reads.escalations(jiangsu)).cases.some((c) => c.caseId === caseId),
    };
  }

  it("when the database's clock is ten minutes ahead of the instance's, then a case due five minutes from now by the instance's clock is overdue everywhere", async () => {
    const caseId = await aReceivedCase(new Date(Date.now() + FIVE_MINUTES));
    expect(await seen(caseId, TEN_MINUTES)).to.deep.equal({ flag: true, listed: true, escalated: true });
  });

  it("when the database's clock is ten minutes behind the instance's, then a case due five minutes ago by the instance's clock is overdue nowhere", async () => {
    const caseId = await aReceivedCase(new Date(Date.now() - FIVE_MINUTES));
    expect(await seen(caseId, -TEN_MINUTES)).to.deep.equal({ flag: false, listed: false, escalated: false });
  });
});
