import { expect } from "chai";
import type { Model } from "mongoose";
import { registerTestCandidate, uniqueIdNumber, useStaffAgent } from "../../helpers/auth.js";
import { commandsDuring } from "../../helpers/commands.js";
import { useTestNode } from "../../helpers/node.js";
import { aRow, codesByLine, confirm, csvFile, upload } from "./import-support.js";

/** Issue 14 review: what a confirmation writes, and a registration that races its insert. */
describe("registration: confirming a bulk import", () => {
  const env = useTestNode({ monitorCommands: true });
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });

  const candidates = (filter: Record<string, unknown> = {}) =>
    env.node.ctx.conn.collection("candidates").countDocuments(filter);
  const importDoc = (importId: string) =>
    env.node.ctx.conn
      .collection("registration_imports")
      .findOne({ _id: new env.node.ctx.conn.base.Types.ObjectId(importId) });

  it("when an import is confirmed, then its record is read once and written once, inside the transaction that registers the rows", async () => {
    const preview = await upload(officer, "once.csv", csvFile([aRow(), aRow()])).expect(200);
    const commands = await commandsDuring(env.node.ctx.conn, () =>
      confirm(officer, preview.body.importId).expect(201),
    );
    // Before: a findAndModify marked it confirmed and a second update cleared its rows.
    expect(commands.filter((c) => c.endsWith(" registration_imports"))).to.deep.equal([
      "find registration_imports",
      "update registration_imports",
    ]);
    // Both inside the transaction: its commit comes after them and nothing was aborted.
    expect(commands.indexOf("commitTransaction")).to.be.above(
      commands.indexOf("update registration_imports"),
    );
    expect(commands).to.not.include("abortTransaction");
    expect(await importDoc(preview.body.importId)).to.deep.include({
      status: "confirmed",
      registered: 2,
      rows: [],
    });
  });

  it("when someone registers one of the file's people after the confirmation's re-check and before its insert, then nothing of the file is written, the import stays open and the report names that row", async () => {
    const late = uniqueIdNumber();
    const preview = await upload(officer, "race.csv", csvFile([aRow(), aRow({ 身份证号: late })])).expect(
      200,
    );
    expect(preview.body.refused).to.equal(0);
    const Candidates = env.node.ctx.conn.model("Candidate") as Model<unknown>;
    const insertMany = Candidates.insertMany.bind(Candidates);
    let raced = 0;
    // The confirmation's insert is the first call: the registration lands between it and the
    // re-check, which has already read the candidates (deterministic, no timing involved).
    Candidates.insertMany = ((...args: Parameters<typeof insertMany>) => {
      if (raced++ > 0) return insertMany(...args);
      return registerTestCandidate(env.node, { idNumber: late, divisionCode: "320100" }).then(() =>
        insertMany(...args),
      );
    }) as typeof Candidates.insertMany;
    const before = await candidates();
    let res;
    try {
      res = await confirm(officer, preview.body.importId).expect(422);
    } finally {
      Candidates.insertMany = insertMany as typeof Candidates.insertMany;
    }
    expect(raced).to.be.at.least(1);
    expect(res.body.error.code).to.equal("import_has_problems");
    expect(codesByLine(res.body.error.details)).to.deep.equal({ 2: [], 3: ["candidate_exists"] });
    // Only the racing registration was written; the import is neither confirmed nor emptied.
    expect(await candidates()).to.equal(before + 1);
    expect(await candidates({ idNumber: late })).to.equal(1);
    const stored = await importDoc(preview.body.importId);
    expect(stored).to.deep.include({ status: "previewed", registered: 0 });
    expect(stored?.rows).to.have.length(2);
    expect(
      await env.node.ctx.conn
        .collection("audit_log")
        .countDocuments({ action: "candidate.imported", "target.id": preview.body.importId }),
    ).to.equal(0);
  });

  it("when the insert is refused by the ID-number index but the re-check after it finds nothing wrong, then the confirmation is refused as import_raced with no report and nothing is written", async () => {
    const preview = await upload(officer, "gone.csv", csvFile([aRow(), aRow()])).expect(200);
    const Candidates = env.node.ctx.conn.model("Candidate") as Model<unknown>;
    const insertMany = Candidates.insertMany.bind(Candidates);
    let refused = 0;
    // The unique index's refusal, as MongoDB answers it, of a registration that raced the insert and
    // is gone again (withdrawn and removed) by the re-check: a report would name no row at all.
    Candidates.insertMany = (() => {
      refused += 1;
      const dup = Object.assign(new Error("E11000 duplicate key error index: idNumber_1 dup key"), {
        code: 11000,
        keyPattern: { idNumber: 1 },
      });
      return Promise.reject(dup);
    }) as unknown as typeof Candidates.insertMany;
    const before = await candidates();
    let res;
    try {
      res = await confirm(officer, preview.body.importId).expect(409);
    } finally {
      Candidates.insertMany = insertMany as typeof Candidates.insertMany;
    }
    expect(refused).to.equal(1);
    expect(res.body.error.code).to.equal("import_raced");
    expect(res.body.error.message).to.contain("请重新预检");
    expect(res.body.error.details ?? null).to.equal(null);
    expect(await candidates()).to.equal(before);
    expect(await importDoc(preview.body.importId)).to.deep.include({ status: "previewed", registered: 0 });
  });
});
