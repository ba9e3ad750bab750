import { expect } from "chai";
import {
  buildStatusList,
  createSigner,
  emptyStatusBits,
  generateKeyPair,
} from "../../../server/certificates/index.js";
import { createRegistryService, type RegistryService } from "../../../server/hub/index.js";
import { createStatusListService } from "../../../server/hub/status-lists.js";
import { AppError } from "../../../server/lib/errors.js";
import { generateNodeKey } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";

/**
 * The hub opens a status list against the province's certificate keys as the transaction that keeps
 * it reads them (the node written first, so a key change committing later conflicts and the
 * transaction runs again). A key ended (or removed) after the gate let the request in, before the
 * store, must not leave the hub keeping, and serving, a list every verifier refuses.
 */
describe("hub status lists: a key change committed after the request was let in", () => {
  const db = useTestDatabase("hub_list_key_race");
  const pair = generateKeyPair("ed25519");
  const key = { kid: "js-cert-race", signer: createSigner(pair) };
  let province = 310000;
  let registry: RegistryService;

  before(() => {
    registry = createRegistryService(db.conn);
  });

  const nodes = () => db.conn.collection("hub_nodes");

  /** Registers a fresh province holding the key, signs its list, then lets `meanwhile` change the key. */
  async function aProvinceWhoseKeyChangesMeanwhile(meanwhile: (provinceCode: string) => Promise<unknown>) {
    const provinceCode = String((province += 10000));
    await registry.register({
      provinceCode,
      name: provinceCode,
      nodeKey: generateNodeKey().publicKeyX,
      certificateKeys: [{ kid: key.kid, suite: "ed25519", publicKey: pair.publicKey, validFrom: "2026-01-01T00:00:00.000Z" }],
    });
    const service = createStatusListService(db.conn, { timeZone: "Asia/Shanghai" });
    const list = buildStatusList(
      { provinceCode, bits: emptyStatusBits(), now: new Date(Date.now() - 60_000), validForSeconds: 3600 },
      key,
    );
    await meanwhile(provinceCode);
    return { provinceCode, service, list };
  }

  async function refusalOf(run: () => Promise<unknown>): Promise<AppError> {
    try {
      await run();
    } catch (err) {
      if (err instanceof AppError) return err;
      throw err;
    }
    throw new Error("the list was kept");
  }

  it("when the signing key is ended before the list's generatedAt meanwhile, then the list is refused status_list_key_retired and nothing is kept", async () => {
    const { provinceCode, service, list } = await aProvinceWhoseKeyChangesMeanwhile((code) =>
      nodes().updateOne(
        { provinceCode: code, "certificateKeys.kid": key.kid },
        { $set: { "certificateKeys.$.validTo": new Date(Date.now() - 3_600_000).toISOString() }, $inc: { revision: 1 } },
      ),
    );
    const err = await refusalOf(() => service.publish(list, provinceCode));
    expect({ code: err.code, status: err.status }).to.deep.equal({ code: "status_list_key_retired", status: 422 });
    expect(err.message).to.match(/[\u4e00-\u9fff]/);
    expect(await service.get(provinceCode)).to.equal(null);
  });

  it("when the signing key is removed meanwhile, then the list is refused unknown_signing_key and nothing is kept", async () => {
    const { provinceCode, service, list } = await aProvinceWhoseKeyChangesMeanwhile((code) =>
      // Its only key: the province then holds none.
      nodes().updateOne({ provinceCode: code }, { $set: { certificateKeys: [] }, $inc: { revision: 1 } }),
    );
    const err = await refusalOf(() => service.publish(list, provinceCode));
    expect({ code: err.code, status: err.status }).to.deep.equal({ code: "unknown_signing_key", status: 422 });
    expect(await service.get(provinceCode)).to.equal(null);
  });

  it("when the key is ended only after the list's generatedAt meanwhile, then the list is still kept (the check can pass)", async () => {
    const { provinceCode, service, list } = await aProvinceWhoseKeyChangesMeanwhile((code) =>
      nodes().updateOne(
        { provinceCode: code, "certificateKeys.kid": key.kid },
        { $set: { "certificateKeys.$.validTo": new Date(Date.now() + 3_600_000).toISOString() }, $inc: { revision: 1 } },
      ),
    );
    expect((await service.publish(list, provinceCode)).outcome).to.equal("accepted");
  });
});

/**
 * The list is opened against the province's keys once, as the store's transaction reads them: an
 * opening before the transaction decided nothing the one inside it does not, and read the keys twice.
 */
describe("hub status lists: the province's keys are read once, inside the store's transaction", () => {
  const db = useTestDatabase("hub_list_one_read", { monitorCommands: true });
  const pair = generateKeyPair("ed25519");
  const key = { kid: "js-cert-once", signer: createSigner(pair) };

  it("when a province publishes its list, then its keys are read once and in the transaction that keeps the list", async () => {
    const registry = createRegistryService(db.conn);
    await registry.register({
      provinceCode: "330000",
      name: "330000",
      nodeKey: generateNodeKey().publicKeyX,
      certificateKeys: [{ kid: key.kid, suite: "ed25519", publicKey: pair.publicKey, validFrom: "2026-01-01T00:00:00.000Z" }],
    });
    const service = createStatusListService(db.conn, { timeZone: "Asia/Shanghai" });
    const list = buildStatusList(
      { provinceCode: "330000", bits: emptyStatusBits(), now: new Date(Date.now() - 60_000), validForSeconds: 3600 },
      key,
    );
    // Each read of hub_nodes, by whether it runs in a transaction.
    const reads: boolean[] = [];
    const listener = (e: { commandName: string; command: Record<string, unknown> }) => {
      if (e.commandName === "find" && e.command.find === "hub_nodes") reads.push(e.command.txnNumber !== undefined);
    };
    const client = db.conn.getClient();
    client.on("commandStarted", listener);
    try {
      expect((await service.publish(list, "330000")).outcome).to.equal("accepted");
    } finally {
      client.off("commandStarted", listener);
    }
    expect(reads).to.deep.equal([true]);
  });
});
