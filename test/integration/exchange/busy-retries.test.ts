import { expect } from "chai";
import { createExchangeTransport } from "../../../server/exchange/index.js";
import type { NodeClient, SignedAnswer } from "../../../server/sharing/index.js";
import { recordingLogger } from "../../helpers/recording-logger.js";
import { aCertifiedPractitioner, aFiling, anOfficer, useExchangeNetwork } from "./support.js";

/**
 * The hub answers 409 case_busy ("该事项正被处理，请稍后重试") when another step changed the case
 * between its read and its conditional write (hub-exchange.service.ts `end`), rolling back what it
 * did. It is no judgement of the message: the sender tries again (exchange-transport.ts), counted
 * like an outage, and keeps trying past its maximum attempts with the case's history saying so
 * (outgoing-settle.ts KEEPS_RETRYING). Taken as a
 * final refusal instead, an ending would be taken back for a race that had nothing to do with it.
 */
describe("cross-province exchange: the hub answers case_busy", () => {
  const net = useExchangeNetwork();
  const bjCounty = anOfficer("110105", "朝阳区业务员");

  const hubCase = (caseId: string) => net.hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId });
  const endEntry = (caseId: string) =>
    net.beijing.conn.collection("exchange_outgoing").findOne({ caseId, purpose: "end" });

  /**
   * 北京's client, except that the hub it reaches answers the next `busyTimes` endings 409
   * case_busy without taking them, as the real hub does when it loses the race; everything else
   * goes to the real hub. `calls` counts the endings that reached this fake.
   */
  function aBusyHub(busyTimes: number) {
    const seen = { calls: 0 };
    const client: NodeClient = {
      ...net.beijing.client,
      call: (async (method: "GET" | "POST", path: string, body?: unknown, signal?: AbortSignal) => {
        if (method === "POST" && path.endsWith("/end")) {
          seen.calls++;
          if (seen.calls <= busyTimes) {
            const error = { code: "case_busy", message: "该事项正被处理，请稍后重试" };
            const busy: SignedAnswer = {
              status: 409,
              body: { error },
              error,
              rawBody: JSON.stringify({ error }),
              proof: { signatureInput: "", signature: "", contentDigest: "", requestSignature: "" },
            };
            return busy;
          }
        }
        return net.beijing.client.call(method, path, body, signal);
      }) as NodeClient["call"],
    };
    return { client, seen };
  }

  /** A filing of 北京's the hub holds, and 北京's ending of it waiting in the outbox. */
  async function anEndingQueued(): Promise<string> {
    await net.beijing.send();
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjCounty, p.idNumber);
    const { caseId } = await net.beijing.exchange.file(bjCounty, {
      lookupId: found.lookupId,
      practitioner: p,
      details: aFiling(),
    });
    await net.beijing.exchange.end(bjCounty, caseId, { endDate: "2026-12-05", reason: "离职" });
    expect(await endEntry(caseId)).to.include({ status: "pending", attempts: 0 });
    return caseId;
  }

  it("when the hub answers an ending case_busy twice, then the sender tries again each time and the third attempt ends the hub's case", async () => {
    const caseId = await anEndingQueued();
    const hub = aBusyHub(2);
    const log = recordingLogger();
    const sender = createExchangeTransport({
      conn: net.beijing.conn,
      logger: log.logger,
      client: () => hub.client,
      backoffMs: () => 0,
      maxAttempts: 5,
    });

    for (const attempts of [1, 2]) {
      await sender.sendOnce();
      expect(await endEntry(caseId)).to.deep.include({
        status: "pending",
        attempts,
        lastError: "全国中心暂未受理该消息 (409 case_busy)",
      });
      expect(await hubCase(caseId)).to.include({ state: "sent" });
    }
    await sender.sendOnce();
    expect(hub.seen.calls).to.equal(3);
    expect(await endEntry(caseId)).to.deep.include({ status: "done", attempts: 3 });
    expect(await hubCase(caseId)).to.include({ state: "ended" });
    const local = await net.beijing.exchange.get(bjCounty, caseId);
    expect(local).to.include({ state: "ended", refusal: null });
    expect(log.warnings().map((w) => w.msg)).to.deep.equal([
      "exchange send failed; retrying later",
      "exchange send failed; retrying later",
    ]);
  });

  it("when the hub answers an ending case_busy every time, then the sender keeps trying past its maximum attempts (an ending is never given up), says so once in the case's history and logs it at error level", async () => {
    const caseId = await anEndingQueued();
    const hub = aBusyHub(Number.POSITIVE_INFINITY);
    const log = recordingLogger();
    const sender = createExchangeTransport({
      conn: net.beijing.conn,
      logger: log.logger,
      client: () => hub.client,
      backoffMs: () => 0,
      maxAttempts: 3,
    });

    for (let i = 0; i < 4; i++) await sender.sendOnce();
    expect(await endEntry(caseId)).to.deep.include({ status: "pending", attempts: 4 });
    expect(hub.seen.calls).to.equal(4);
    expect(await hubCase(caseId)).to.include({ state: "sent" });
    // From the maximum on it does not say "retrying later" as for a passing outage: at error level.
    expect(log.warnings().map((w) => w.msg)).to.deep.equal([
      "exchange send failed; retrying later",
      "exchange send failed; retrying later",
      "exchange send still failing after the maximum attempts; retrying at the longest backoff",
      "exchange send still failing after the maximum attempts; retrying at the longest backoff",
    ]);
    expect(log.warnings().map((w) => w.detail)).to.deep.include({
      caseId,
      purpose: "end",
      attempts: 3,
      error: "全国中心暂未受理该消息 (409 case_busy)",
      err: "hub answered 409 case_busy",
    });
    const notes = (await net.beijing.exchange.get(bjCounty, caseId)).history.filter(
      (h) => h.by === "本省节点",
    );
    expect(notes.map((h) => h.note)).to.deep.equal([
      "终止已 3 次未能送达全国中心，本省节点将继续自动重发：全国中心暂未受理该消息 (409 case_busy)",
    ]);
    // Back, the ending arrives.
    await net.beijing.send();
    expect(await hubCase(caseId)).to.include({ state: "ended" });
  });
});
