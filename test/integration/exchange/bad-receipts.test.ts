import { expect } from "chai";
import { createAuditService } from "../../../server/audit/index.js";
import { createExchangeTransport, createProvinceExchangeService } from "../../../server/exchange/index.js";
import { createLogger } from "../../../server/lib/logger.js";
import type { NodeClient } from "../../../server/sharing/index.js";
import { aCertifiedPractitioner, anOfficer, aNotice, useExchangeNetwork } from "./support.js";

/**
 * A hub that answers 200 with a receipt breaking the published contract (a non-conforming
 * implementation, or one mid-upgrade): the send threw, so the entry stayed `sending` for good
 * (taken again after every lease, its attempts never counted, never given up) and the officer was
 * told their own form was invalid (400 validation_failed). It is a failed attempt like an outage:
 * retried, counted, and given up after maxAttempts.
 */
describe("cross-province exchange: a hub's receipt that breaks the contract", () => {
  const net = useExchangeNetwork();
  const bjCity = anOfficer("110100", "北京市业务员");

  it("when the hub answers a new notice 200 with a malformed receipt, then the officer's notice is queued, the attempt counted, and the entry given up after maxAttempts", async () => {
    // 北京's own node, but its client sees the hub's answers to cases as a broken hub would send them.
    const broken: NodeClient = {
      ...net.beijing.client,
      call: (async (method: "GET" | "POST", path: string, body?: unknown, signal?: AbortSignal) => {
        const answer = await net.beijing.client.call(method, path, body, signal);
        return path.endsWith("/exchange/cases") && answer.status === 200
          ? { ...answer, body: { caseId: "?", state: "unheard-of" } }
          : answer;
      }) as NodeClient["call"],
    };
    const conn = net.beijing.conn;
    const transport = createExchangeTransport({
      conn,
      logger: createLogger({ level: "silent", name: "test" }),
      client: () => broken,
      backoffMs: () => 0,
      maxAttempts: 2,
    });
    const exchange = createProvinceExchangeService(conn, {
      provinceCode: "110000",
      audit: createAuditService(conn),
      transport,
    });
    const p = await aCertifiedPractitioner(net.jiangsu);

    const sent = await exchange.notify(bjCity, { practitioner: p, details: aNotice() });
    expect(sent.state).to.equal("queued");
    const entry = () => conn.collection("exchange_outgoing").findOne({ caseId: sent.caseId });
    expect(await entry()).to.deep.include({
      status: "pending",
      attempts: 1,
      lastError: "全国中心的回执不符合接口规范",
    });

    await transport.sendOnce();
    expect(await entry()).to.deep.include({ status: "dead", attempts: 2 });
  });
});
