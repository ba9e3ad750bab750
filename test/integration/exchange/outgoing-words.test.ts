import { expect } from "chai";
import { createExchangeTransport } from "../../../server/exchange/index.js";
import { createLogger } from "../../../server/lib/logger.js";
import type { NodeClient } from "../../../server/sharing/index.js";
import { recordingLogger } from "../../helpers/recording-logger.js";
import { aCertifiedPractitioner, anOfficer, aNotice, useExchangeNetwork } from "./support.js";

/** Any Chinese character: every reason a province's pages show is written for its officers. */
const CHINESE = /[\u4e00-\u9fff]/;

/**
 * What the exchange's outgoing queue says when a message could not be sent: the reason reaches a
 * case's history (an entry that gives up) and the province's pages, so it is Chinese, with the
 * hub's status and code in parentheses where an operator needs them; the raw error goes to the log.
 */
describe("cross-province exchange: what the outgoing queue says", () => {
  const net = useExchangeNetwork();
  const bjCity = anOfficer("110100", "北京市业务员");
  const silent = createLogger({ level: "silent", name: "test" });

  /** A notice of 北京's queued while the hub could not be reached (one attempt counted). */
  async function aQueuedNotice(): Promise<string> {
    await net.beijing.send(); // whatever else is due goes first
    const p = await aCertifiedPractitioner(net.jiangsu);
    net.beijing.link.down = true;
    try {
      return (await net.beijing.exchange.notify(bjCity, { practitioner: p, details: aNotice() })).caseId;
    } finally {
      net.beijing.link.down = false;
    }
  }
  const entryOf = (caseId: string) =>
    net.beijing.conn.collection("exchange_outgoing").findOne({ caseId, purpose: "submit" });
  const sendWith = (client: NodeClient, logger = silent) =>
    createExchangeTransport({
      conn: net.beijing.conn,
      logger,
      client: () => client,
      backoffMs: () => 0,
    }).sendOnce();

  it("when the network to the hub fails, then the entry says in Chinese that the hub cannot be reached, without the system's error text", async () => {
    const caseId = await aQueuedNotice();
    expect(await entryOf(caseId)).to.deep.include({
      status: "pending",
      attempts: 1,
      lastError: "无法连接全国中心",
    });
  });

  it("when the hub refuses the message with a signed error, then the entry says so in Chinese with the hub's status and code, and the log keeps the details", async () => {
    const caseId = await aQueuedNotice();
    const { logger, warnings } = recordingLogger();
    // A refusal the hub signs (the request's signature verified): a nonce it saw under another
    // signature. A 401 of a request it could not verify comes unsigned and only waits.
    const error = { code: "nonce_reused", message: "nonce 已被其他消息使用" };
    const answer = {
      status: 401,
      body: { error },
      error,
      rawBody: "{}",
      proof: { signatureInput: "", signature: "", contentDigest: "", requestSignature: "" },
    };
    const refusing = { call: () => Promise.resolve(answer) } as unknown as NodeClient;
    await sendWith(refusing, logger);
    const entry = await entryOf(caseId);
    expect(entry).to.deep.include({
      status: "pending",
      attempts: 2,
      lastError: "全国中心暂未受理该消息 (401 nonce_reused)",
    });
    expect(warnings().map((l) => l.detail.caseId)).to.deep.equal([caseId]);
    await net.beijing.send();
    expect(await entryOf(caseId)).to.deep.include({ status: "done" });
  });

  it("when sending fails with an error of no known kind, then the entry still shows a Chinese reason and the raw error only reaches the log", async () => {
    const caseId = await aQueuedNotice();
    const { logger, warnings } = recordingLogger();
    const broken = { call: () => Promise.reject(new Error("socket hang up")) } as unknown as NodeClient;
    await sendWith(broken, logger);
    const entry = await entryOf(caseId);
    expect(String(entry?.lastError)).to.match(CHINESE).and.not.include("socket hang up");
    expect(JSON.stringify(warnings().map((l) => String(l.detail.err)))).to.include("socket hang up");
    await net.beijing.send();
  });

  it("when no hub is configured, then the entry says in Chinese that it waits here", async () => {
    const caseId = await aQueuedNotice();
    await createExchangeTransport({
      conn: net.beijing.conn,
      logger: silent,
      client: () => null,
      backoffMs: () => 0,
    }).sendOnce();
    expect(String((await entryOf(caseId))?.lastError)).to.equal(
      "全国中心未配置 (HUB_URL, HUB_PUBLIC_KEY)，消息在本地等待",
    );
    await net.beijing.send();
  });
});
