import { expect } from "chai";
import { CollectionReceipt, type RejectCode } from "../../../server/contracts/hub.js";
import {
  createCollectionService,
  createIntakeLedger,
  createRegistryService,
} from "../../../server/hub/index.js";
import { checkRecord, type RecordCheck } from "../../../server/hub/record-validation.js";
import { AppError } from "../../../server/lib/errors.js";
import { useTestDatabase } from "../../helpers/database.js";
import { recordingLogger } from "../../helpers/recording-logger.js";
import { generateNodeKey } from "../../../server/sharing/index.js";
import { aPassRecord } from "./support.js";

/**
 * The collection service checks the rejections it will echo against the receipt's contract before
 * it writes anything. No record a province can send reaches that guard today (checkRecord bounds
 * what it echoes); a check that one day echoes more (a new reason code not added to the contract's
 * list, an id it forgot to bound) must not answer 500 over a batch whose good records were already
 * committed, which a province retries forever, adding rejected ledger rows each time.
 */
describe("hub collection: the receipt guard before any write", () => {
  const db = useTestDatabase("hub_receipt_guard");
  // The hub writes only for a registered, active node, in-process callers included.
  before(async () => {
    await createRegistryService(db.conn).register({
      provinceCode: "320000",
      name: "320000",
      nodeKey: generateNodeKey().publicKeyX,
    });
  });
  const collections = ["hub_records", "hub_practitioners", "hub_changes", "hub_rejections", "hub_intake"];
  const everything = async () =>
    Object.fromEntries(
      await Promise.all(collections.map(async (n) => [n, await db.conn.collection(n).countDocuments()])),
    );

  /** The real check, except for the record with recordId `marked`, whose rejection echoes `echo`. */
  const checkEchoing =
    (marked: string, echo: Partial<Extract<RecordCheck, { ok: false }>>) =>
    (raw: unknown, ctx: { signerProvince: string; now: Date }): RecordCheck => {
      const real = checkRecord(raw, ctx);
      if ((raw as { recordId?: unknown }).recordId !== marked) return real;
      return {
        ok: false,
        recordId: marked,
        version: 1,
        reasons: [{ code: "inconsistent", field: null, message: "测试" }],
        ...echo,
      };
    };
  const service = (check?: ReturnType<typeof checkEchoing>) =>
    createCollectionService(db.conn, {
      logger: recordingLogger().logger,
      ledger: createIntakeLedger(db.conn),
      check,
    });

  const cases: [string, Partial<Extract<RecordCheck, { ok: false }>>][] = [
    [
      "a reason code the contract does not list",
      { reasons: [{ code: "not_in_contract" as RejectCode, field: null, message: "测试" }] },
    ],
    ["an unbounded record id", { recordId: "r".repeat(101) }],
    ["a version beyond a safe integer", { version: 2 ** 53 + 2 }],
  ];
  for (const [what, echo] of cases)
    it(`when a rejection would echo ${what}, then the whole batch is refused before anything is written, and applies once the check is fixed`, async () => {
      const good = aPassRecord();
      const marked = aPassRecord();
      const batch = { batchId: `guard-${Math.random().toString(36).slice(2)}`, records: [good, marked] };
      const before = await everything();

      let refused: unknown = null;
      await service(checkEchoing(marked.recordId, echo))
        .ingest(batch, "320000")
        .catch((err: unknown) => (refused = err));
      expect(refused, "the batch was answered").to.be.instanceOf(Error);
      // The hub's own fault: never a 4xx, which a province would take as its records' judgement.
      expect(refused instanceof AppError && refused.status < 500).to.equal(false);
      expect(await everything()).to.deep.equal(before);

      // Nothing half-written stands in the way of the province's re-send of the same batch.
      const receipt = await service().ingest(batch, "320000");
      expect(CollectionReceipt.safeParse(receipt).success).to.equal(true);
      expect(receipt.results.map((r) => r.outcome)).to.deep.equal(["accepted", "accepted"]);
    });
});
