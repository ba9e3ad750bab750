import { randomUUID } from "node:crypto";
import { expect } from "chai";
import type { AppError } from "../../../server/lib/errors.js";
import { aCertifiedPractitioner, aFiling, anOfficer, aNotice, useExchangeNetwork } from "./support.js";

/**
 * Dates in exchange messages are dates of what already happened (a penalty decided, a filing
 * ended) or about to (work starting): a penalty decided next month, an ending before the filing's
 * start or after today, a start years ahead were all taken and shown to the other province as fact.
 * Refused, by Beijing's calendar (the network's), at the hub for every province and on our
 * officers' forms before anything is queued.
 */
describe("cross-province exchange: dates that cannot be", () => {
  const net = useExchangeNetwork();
  const bjCity = anOfficer("110100", "北京市业务员");
  const officer = { id: bjCity.id, name: bjCity.displayName, divisionCode: bjCity.divisionCode };
  /** A Beijing date `days` from now. */
  const beijingDay = (days: number) =>
    new Date(Date.now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);
  const hubCases = (caseId: string) =>
    net.hub.node.ctx.conn.collection("exchange_cases").countDocuments({ caseId });
  const refusalOf = (work: Promise<unknown>) =>
    work.then(
      () => expect.fail("expected a refusal"),
      (err: AppError) => err,
    );

  describe("at the hub, from any province's node", () => {
    it("when a notice's penalty is decided after today, then the hub refuses it future_date and holds nothing", async () => {
      const p = await aCertifiedPractitioner(net.jiangsu);
      const caseId = randomUUID();
      const answer = await net.beijing.client.call("POST", "/api/hub/v1/exchange/cases", {
        caseId,
        kind: "notice",
        practitioner: p,
        officer,
        details: { ...aNotice(), decidedOn: beijingDay(3) },
      });
      expect(answer.status, answer.rawBody).to.equal(422);
      expect(answer.error?.code).to.equal("future_date");
      expect(answer.error?.message).to.include("决定日期");
      expect(await hubCases(caseId)).to.equal(0);
    });

    it("when a filing starts more than 30 days ahead, then the hub refuses it future_date; 30 days ahead it is taken", async () => {
      const p = await aCertifiedPractitioner(net.jiangsu);
      const found = await net.beijing.lookup(bjCity, p.idNumber);
      const file = (startDate: string) =>
        net.beijing.client.call("POST", "/api/hub/v1/exchange/cases", {
          caseId: randomUUID(),
          kind: "filing",
          lookupId: found.lookupId,
          practitioner: p,
          officer,
          details: aFiling({ startDate }),
        });
      const far = await file(beijingDay(400));
      expect(far.status, far.rawBody).to.equal(422);
      expect(far.error?.code).to.equal("future_date");
      expect(far.error?.message).to.include("开始从业日期");
      const near = await file(beijingDay(29));
      expect(near.status, near.rawBody).to.equal(200);
    });

    it("when a filing is ended before it started or after today, then the hub refuses the ending invalid_date / future_date and the filing stays open", async () => {
      const p = await aCertifiedPractitioner(net.jiangsu);
      const found = await net.beijing.lookup(bjCity, p.idNumber);
      const caseId = randomUUID();
      const filed = await net.beijing.client.call("POST", "/api/hub/v1/exchange/cases", {
        caseId,
        kind: "filing",
        lookupId: found.lookupId,
        practitioner: p,
        officer,
        details: aFiling({ startDate: beijingDay(-10) }),
      });
      expect(filed.status, filed.rawBody).to.equal(200);
      const end = (endDate: string) =>
        net.beijing.client.call("POST", `/api/hub/v1/exchange/cases/${caseId}/end`, {
          endDate,
          reason: "离职",
          officer,
        });
      const before = await end(beijingDay(-11));
      expect(before.status, before.rawBody).to.equal(422);
      expect(before.error?.code).to.equal("invalid_date");
      const ahead = await end(beijingDay(3));
      expect(ahead.status, ahead.rawBody).to.equal(422);
      expect(ahead.error?.code).to.equal("future_date");
      const atHub = await net.hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId });
      expect(atHub?.state).to.equal("sent");
      const today = await end(beijingDay(0));
      expect(today.status, today.rawBody).to.equal(200);
    });
  });

  describe("on our officers' forms", () => {
    it("when an officer's notice names a penalty decided after today, then it is refused future_date before anything is queued", async () => {
      const p = await aCertifiedPractitioner(net.jiangsu);
      const err = await refusalOf(
        net.beijing.exchange.notify(bjCity, {
          practitioner: p,
          details: { ...aNotice(), decidedOn: beijingDay(2) },
        }),
      );
      expect(err).to.deep.include({ code: "future_date", status: 422 });
      expect(err.message).to.include("决定日期");
      expect(
        await net.beijing.conn.collection("exchange_local_cases").countDocuments({ idNumber: p.idNumber }),
      ).to.equal(0);
      expect(
        await net.beijing.conn
          .collection("exchange_outgoing")
          .countDocuments({ "body.practitioner.idNumber": p.idNumber }),
      ).to.equal(0);
    });

    it("when an officer files a start far ahead, or ends a filing before its start or after today, then each is refused with its code and nothing is queued", async () => {
      const p = await aCertifiedPractitioner(net.jiangsu);
      const found = await net.beijing.lookup(bjCity, p.idNumber);
      const far = await refusalOf(
        net.beijing.exchange.file(bjCity, {
          lookupId: found.lookupId,
          practitioner: p,
          details: aFiling({ startDate: beijingDay(400) }),
        }),
      );
      expect(far).to.deep.include({ code: "future_date", status: 422 });
      const filed = await net.beijing.exchange.file(bjCity, {
        lookupId: found.lookupId,
        practitioner: p,
        details: aFiling({ startDate: beijingDay(-5) }),
      });
      const queued = () =>
        net.beijing.conn.collection("exchange_outgoing").countDocuments({ caseId: filed.caseId });
      const entries = await queued();
      const early = await refusalOf(
        net.beijing.exchange.end(bjCity, filed.caseId, { endDate: beijingDay(-6), reason: "离职" }),
      );
      expect(early).to.deep.include({ code: "invalid_date", status: 422 });
      const late = await refusalOf(
        net.beijing.exchange.end(bjCity, filed.caseId, { endDate: beijingDay(2), reason: "离职" }),
      );
      expect(late).to.deep.include({ code: "future_date", status: 422 });
      expect(await queued()).to.equal(entries);
      const ended = await net.beijing.exchange.end(bjCity, filed.caseId, {
        endDate: beijingDay(-5),
        reason: "离职",
      });
      expect(ended.state).to.equal("ended");
    });
  });
});
