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
 * The hub checks a status list's signature against the province's certificate keys, then stores
 * it in a transaction. A key ended (or removed) before the list's generatedAt that commits between
 * the two let the hub keep, and serve, a list every verifier refuses. The interleaving is made
 * deterministic by a registry whose key read lets the key change commit right after it has read.
 */
describe("hub status lists: a key change committed between the signature check and the store", () => {
  const db = useTestDatabase("hub_list_key_race");
  const pair = generateKeyPair("ed25519");
  const key = { kid: "js-cert-race", signer: createSigner(pair) };
  let province = 310000;
  let registry: RegistryService;

  before(() => {
    registry = createRegistryService(db.conn);
  });

  const nodes = () => db.conn.collection("hub_nodes");

  /** Registers a fresh province holding the key, and a service whose key read is followed by `meanwhile`. */
  async function aProvinceWhoseKeyChangesMeanwhile(meanwhile: (provinceCode: string) => Promise<unknown>) {
    const provinceCode = String((province += 10000));
    await registry.register({
      provinceCode,
      name: provinceCode,
      nodeKey: generateNodeKey().publicKeyX,
      certificateKeys: [{ kid: key.kid, suite: "ed25519", publicKey: pair.publicKey, validFrom: "2026-01-01T00:00:00.000Z" }],
    });
    const racing: RegistryService = {
      ...registry,
      certificateKeys: async () => {
        const read = await registry.certificateKeys();
        await meanwhile(provinceCode);
        return read;
      },
    };
    const service = createStatusListService(db.conn, { registry: racing, timeZone: "Asia/Shanghai" });
    const list = buildStatusList(
      { provinceCode, bits: emptyStatusBits(), now: new Date(Date.now() - 60_000), validForSeconds: 3600 },
      key,
    );
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
