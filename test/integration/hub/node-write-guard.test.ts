import { expect } from "chai";
import {
  buildStatusList,
  createSigner,
  emptyStatusBits,
  generateKeyPair,
} from "../../../server/certificates/index.js";
import {
  createCatalogService,
  createCollectionService,
  createIntakeLedger,
  createRegistryService,
} from "../../../server/hub/index.js";
import { createStatusListService } from "../../../server/hub/status-lists.js";
import type { QualificationRecord } from "../../../server/contracts/hub.js";
import { AppError } from "../../../server/lib/errors.js";
import { createLogger } from "../../../server/lib/logger.js";
import { generateNodeKey, keyIdOf } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aNewIdNumber, aPassRecord } from "./support.js";

/**
 * The gate checks a node's status and key once, when its request arrives; the write comes later (a
 * batch waits seconds in the round queue). Each writing transaction checks the node again, so a
 * suspension or key retirement in between refuses the write. Called here as the route calls the
 * services once the gate let the request in, with the node changed after that.
 */
describe("hub writes of a node: refused when the node was suspended or its key retired after the gate", () => {
  const db = useTestDatabase("hub_write_guard");
  const logger = createLogger({ level: "silent" });
  const certPair = generateKeyPair("ed25519");
  const certKey = { kid: "guard-cert-1", signer: createSigner(certPair) };

  /** A freshly registered province (a code of its own per test) with its current node key id. */
  async function aNode(provinceCode: string) {
    const registry = createRegistryService(db.conn);
    const nodeKey = generateNodeKey();
    await registry.register({
      provinceCode,
      name: provinceCode,
      nodeKey: nodeKey.publicKeyX,
      certificateKeys: [{ kid: certKey.kid, suite: "ed25519", publicKey: certPair.publicKey }],
    });
    return { registry, keyId: keyIdOf(nodeKey.publicKeyX) };
  }

  async function refusalOf(work: Promise<unknown>): Promise<AppError> {
    try {
      await work;
    } catch (err) {
      if (err instanceof AppError) return err;
      throw err;
    }
    throw new Error("expected a refusal");
  }

  /** Neither `record` nor its person reached the hub's tables: what "nothing is written" means for a batch. */
  async function expectNothingWrittenFor(record: QualificationRecord): Promise<void> {
    expect(await db.conn.collection("hub_records").countDocuments({ recordId: record.recordId })).to.equal(0);
    expect(
      await db.conn
        .collection("hub_practitioners")
        .countDocuments({ idNumber: record.practitioner.idNumber }),
    ).to.equal(0);
  }

  const collection = () => createCollectionService(db.conn, { logger, ledger: createIntakeLedger(db.conn) });

  it("when a node is suspended after the gate let its batch in, then the batch is refused node_suspended and nothing is written", async () => {
    const { registry, keyId } = await aNode("320000");
    await registry.setStatus("320000", "suspended");
    const record = aPassRecord();
    const refusal = await refusalOf(
      collection().ingest({ batchId: "after-suspension", records: [record] }, "320000", keyId),
    );
    expect({ code: refusal.code, status: refusal.status }).to.deep.equal({
      code: "node_suspended",
      status: 403,
    });
    await expectNothingWrittenFor(record);
    expect(await db.conn.collection("hub_intake").countDocuments({ batchId: "after-suspension" })).to.equal(
      0,
    );
  });

  it("when a node is suspended and its batch is written with no key id (an in-process caller), then the batch is still refused node_suspended and nothing is written", async () => {
    const { registry } = await aNode("410000");
    await registry.setStatus("410000", "suspended");
    const record = aPassRecord({ province: "410000", idNumber: aNewIdNumber("410102") });
    const refusal = await refusalOf(
      collection().ingest({ batchId: "keyless-suspended", records: [record] }, "410000"),
    );
    expect({ code: refusal.code, status: refusal.status }).to.deep.equal({
      code: "node_suspended",
      status: 403,
    });
    await expectNothingWrittenFor(record);
  });

  it("when a province the hub never registered has a batch written with no key id, then the batch is refused unknown_key and nothing is written", async () => {
    const record = aPassRecord({ province: "420000", idNumber: aNewIdNumber("420102") });
    const refusal = await refusalOf(
      collection().ingest({ batchId: "keyless-unknown", records: [record] }, "420000"),
    );
    expect({ code: refusal.code, status: refusal.status }).to.deep.equal({
      code: "unknown_key",
      status: 401,
    });
    expect(await db.conn.collection("hub_records").countDocuments({ recordId: record.recordId })).to.equal(0);
  });

  it("when a node's key is retired after the gate let its batch in, then the batch is refused unknown_key and nothing is written", async () => {
    const { registry, keyId } = await aNode("330000");
    await registry.register({
      provinceCode: "330000",
      name: "330000",
      nodeKey: generateNodeKey().publicKeyX,
    });
    const record = aPassRecord({ province: "330000", idNumber: aNewIdNumber("330102") });
    const refusal = await refusalOf(
      collection().ingest({ batchId: "after-retirement", records: [record] }, "330000", keyId),
    );
    expect({ code: refusal.code, status: refusal.status }).to.deep.equal({
      code: "unknown_key",
      status: 401,
    });
    expect(await db.conn.collection("hub_records").countDocuments({ recordId: record.recordId })).to.equal(0);
  });

  it("when a node is suspended after the gate let its status list in, then the list is refused and not kept", async () => {
    const { registry, keyId } = await aNode("340000");
    await registry.setStatus("340000", "suspended");
    const lists = createStatusListService(db.conn, { timeZone: "Asia/Shanghai" });
    const list = buildStatusList(
      {
        provinceCode: "340000",
        bits: emptyStatusBits(),
        now: new Date(Date.now() - 60_000),
        validForSeconds: 3600,
      },
      certKey,
    );
    const refusal = await refusalOf(lists.publish(list, "340000", keyId));
    expect(refusal.code).to.equal("node_suspended");
    expect(await db.conn.collection("hub_status_lists").countDocuments({ provinceCode: "340000" })).to.equal(
      0,
    );
  });

  it("when a node is suspended after the gate let its certificate-key announcement in, then the key never reaches the trust list", async () => {
    const { registry, keyId } = await aNode("350000");
    await registry.setStatus("350000", "suspended");
    const leaked = generateKeyPair("ed25519");
    const announcement = {
      certificateKeys: [{ kid: "planted-1", suite: "ed25519" as const, publicKey: leaked.publicKey }],
    };
    const refusal = await refusalOf(registry.announceCertificateKeys(announcement, "350000", keyId));
    expect(refusal.code).to.equal("node_suspended");
    const listed = (await registry.certificateKeys())
      .find((p) => p.provinceCode === "350000")
      ?.keys.map((k) => k.kid);
    expect(listed).to.deep.equal([certKey.kid]);
  });

  it("when a node is still active with its current key, then its batch, status list and announcement are written", async () => {
    const { registry, keyId } = await aNode("360000");
    const record = aPassRecord({ province: "360000", idNumber: aNewIdNumber("360102") });
    const receipt = await collection().ingest({ batchId: "active-node", records: [record] }, "360000", keyId);
    expect(receipt.results[0]?.outcome).to.equal("accepted");
    const lists = createStatusListService(db.conn, { timeZone: "Asia/Shanghai" });
    const list = buildStatusList(
      {
        provinceCode: "360000",
        bits: emptyStatusBits(),
        now: new Date(Date.now() - 60_000),
        validForSeconds: 3600,
      },
      certKey,
    );
    expect((await lists.publish(list, "360000", keyId)).outcome).to.equal("accepted");
    const next = generateKeyPair("ed25519");
    const announced = await registry.announceCertificateKeys(
      { certificateKeys: [{ kid: "next-1", suite: "ed25519", publicKey: next.publicKey }] },
      "360000",
      keyId,
    );
    expect(announced.listed.map((k) => k.kid)).to.include("next-1");
  });

  it("when every record of a person was deleted, then a lookup by their ID number finds nobody", async () => {
    await aNode("370000");
    const idNumber = aNewIdNumber("370102");
    const pass = aPassRecord({ province: "370000", idNumber, name: "李四" });
    const service = collection();
    expect(
      (await service.ingest({ batchId: "mistyped", records: [pass] }, "370000")).results[0]?.outcome,
    ).to.equal("accepted");
    const voided = { ...pass, operation: "delete" as const, state: "invalid" as const, version: 2 };
    expect(
      (await service.ingest({ batchId: "voided", records: [voided] }, "370000")).results[0]?.outcome,
    ).to.equal("accepted");
    const catalog = createCatalogService(db.conn);
    const ask = (
      query: { by: "id_number"; idNumber: string } | { by: "name_id_number"; idNumber: string; name: string },
    ) =>
      catalog.lookup(
        { query, officerId: "bj-officer-1", reason: "enforcement", caseReference: "京交执 2026-9" },
        "110000",
      );
    expect((await ask({ by: "id_number", idNumber })).matches).to.deep.equal([]);
    expect((await ask({ by: "name_id_number", idNumber, name: "李四" })).matches).to.deep.equal([]);
  });
});
