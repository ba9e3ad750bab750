import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { testConfig } from "../../helpers/test-config.js";
import type { HubIdentityDto } from "../../../server/contracts/hub.js";
import { createRegistryService } from "../../../server/hub/index.js";
import { createLogger } from "../../../server/lib/logger.js";
import { startNode, type RunningNode } from "../../../server/main.js";
import { publicKeyFromX } from "../../../server/sharing/index.js";
import { testDatabase, uniqueDbName, useTestDatabase } from "../../helpers/database.js";
import { aPortToRestartOn, startAgainOn } from "../../helpers/ports.js";
import type { TestHub } from "../hub/support.js";
import { aCertifiedPractitioner, aFiling, anOfficer, aProvince, type TestProvince } from "./support.js";

/**
 * The hub process really stops (not a cut link) between the steps of a filing and starts again
 * on the same port, key and database: everything held survives and arrives exactly once. The
 * provinces keep the hub's URL, so the port is one the kernel does not hand out by itself while
 * the hub is down (aPortToRestartOn).
 */
describe("cross-province exchange: the hub stops and starts between steps", () => {
  const jsDb = useTestDatabase("prov_js");
  const bjDb = useTestDatabase("prov_bj");
  const dbName = uniqueDbName("hub");
  const keyDir = mkdtempSync(path.join(tmpdir(), "roadcert-hubkey-"));
  let port = 0;
  let running: RunningNode | null = null;
  let hub: TestHub;
  let jiangsu: TestProvince;
  let beijing: TestProvince;
  const bj = anOfficer("110105", "朝阳区业务员");
  const js = anOfficer("320100", "南京市业务员");

  async function startHub(): Promise<RunningNode> {
    const config = testConfig({ NODE_ENV: "test", ROLE: "hub", PORT: String(port), LOG_LEVEL: "silent", NODE_KEY_DIR: keyDir, SHUTDOWN_TIMEOUT_MS: "1000" });
    const mongoUri = (await testDatabase()).uri;
    running = await startAgainOn(port, () => startNode(config, { mongoUri, dbName, logger: createLogger({ level: "silent", name: "hub" }) }));
    return running;
  }
  async function stopHub(): Promise<void> {
    await running?.stop();
    running = null;
  }

  before(async () => {
    port = await aPortToRestartOn();
    const node = await startHub();
    const identity = (await (await fetch(`${node.url}/api/hub/v1/identity`)).json()) as HubIdentityDto;
    const peer = { name: "hub", url: node.url, keyId: identity.keyId, publicKey: publicKeyFromX(identity.publicKey) };
    hub = { node: node as TestHub["node"], identity, peer, keyDir, registry: createRegistryService(node.ctx.conn) };
    jiangsu = await aProvince(hub, "320000", jsDb.conn);
    beijing = await aProvince(hub, "110000", bjDb.conn);
  });
  after(async () => {
    const node = running ?? (await startHub());
    await node.ctx.conn.dropDatabase().catch(() => undefined);
    await stopHub();
  });

  it("when the hub is stopped before each step and started again, then the filing arrives, is acknowledged and is seen acknowledged, each once", async () => {
    const p = await aCertifiedPractitioner(jiangsu, { issuingDivision: "320100" });
    const found = await beijing.lookup(bj, p.idNumber);

    await stopHub();
    const filed = await beijing.exchange.file(bj, { lookupId: found.lookupId, practitioner: p, details: aFiling() });
    expect(filed.state).to.equal("queued");
    await beijing.send();
    await startHub();
    await beijing.send();
    expect((await beijing.exchange.get(bj, filed.caseId)).state).to.equal("sent");

    await stopHub();
    await jiangsu.pull().catch(() => undefined);
    await startHub();
    expect(await jiangsu.pull()).to.equal(1);

    await stopHub();
    await jiangsu.exchange.answer(js, filed.caseId, { outcome: "acknowledged" });
    await jiangsu.send();
    await startHub();
    await jiangsu.send();

    await stopHub();
    await beijing.pull().catch(() => undefined);
    await startHub();
    await beijing.pull();
    await beijing.pull();

    expect((await beijing.exchange.get(bj, filed.caseId)).state).to.equal("acknowledged");
    expect((await jiangsu.exchange.get(js, filed.caseId)).state).to.equal("acknowledged");
    const hubConn = running!.ctx.conn;
    expect(await hubConn.collection("exchange_cases").countDocuments({ caseId: filed.caseId, state: "acknowledged" })).to.equal(1);
    expect(await hubConn.collection("exchange_inbox").countDocuments({ caseId: filed.caseId, type: "case" })).to.equal(1);
    expect(await jsDb.conn.collection("exchange_local_cases").countDocuments({ caseId: filed.caseId })).to.equal(1);
    const history = (await bjDb.conn.collection("exchange_local_cases").findOne({ caseId: filed.caseId }))!.history as { state: string; by: string }[];
    expect(history.map((h) => h.state)).to.deep.equal(["queued", "sent", "delivered", "acknowledged"]);
    // The other province's officer is named with the province's name, as the case page shows it.
    expect(history.at(-1)?.by).to.match(/（江苏省）$/);
  });

  it("when a refused transfer still holds its open key from an earlier version, then the hub's start releases it and a new transfer of the person is taken", async () => {
    const p = await aCertifiedPractitioner(jiangsu, { issuingDivision: "320100" });
    const first = await beijing.exchange.transfer(bj, { lookupId: (await beijing.lookup(bj, p.idNumber)).lookupId, practitioner: p, details: { reason: "户籍迁入北京市" } });
    await jiangsu.pull();
    await jiangsu.exchange.answer(js, first.caseId, { outcome: "problem", problem: { code: "identity_mismatch", note: "户籍信息不符" } });
    await jiangsu.send();
    // What a hub before this change left behind: the refused transfer kept the key.
    const cases = running!.ctx.conn.collection("exchange_cases");
    await cases.updateOne({ caseId: first.caseId, state: "problem" }, { $set: { openKey: `transfer:${p.idNumber}` } });

    await stopHub();
    await startHub();
    expect(await running!.ctx.conn.collection("exchange_cases").findOne({ caseId: first.caseId })).to.not.have.property("openKey");
    // 北京 learns of the problem (its inbox): until then it holds its transfer open itself.
    await beijing.pull();
    const again = await beijing.exchange.transfer(bj, { lookupId: (await beijing.lookup(bj, p.idNumber)).lookupId, practitioner: p, details: { reason: "户籍迁入北京市" } });
    expect(again.state).to.equal("sent");
  });
});
