import { expect } from "chai";
import type { AuthUser } from "../../../server/contracts/auth.js";
import type { CategoryCode } from "../../../server/contracts/categories.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { uniqueIdNumber, useStaffAgent } from "../../helpers/auth.js";
import { commandsDuring } from "../../helpers/commands.js";
import { useTestNode } from "../../helpers/node.js";
import { aRow, csvFile, type SheetRow } from "./import-support.js";

/** As the certificates answer: with the certificate's division (the officer's city here). */
type Held = { categoryCode: CategoryCode; firstIssuedOn: string; divisionCode: string };
const OWN = /^\S+ (registration_imports|candidates|test_held_qualifications)$/;

/**
 * A bulk import (up to REGISTRATION_IMPORT_MAX_ROWS rows) asks what each person already holds.
 * Asked one person at a time, the confirmation made one certificate read per row inside its
 * transaction, which holds this process's audited transactions (every other officer's change)
 * behind up to 2,000 round trips. Where the certificates feature answers for many people at once,
 * each check asks it once.
 */
describe("registration: what a bulk import's people hold, asked once per check", () => {
  const env = useTestNode({ monitorCommands: true });
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  /** Stands for the certificates: what each ID number holds, read as the real port reads it. */
  const held = () =>
    env.node.ctx.conn.collection<{ idNumber: string; held: Held[] }>("test_held_qualifications");

  /** A registration service whose qualifications ports read `held()`, one person or many at a time. */
  function registrationWithPorts(asked: { singles: string[]; batches: string[][] }) {
    return createRegistrationService(env.node.ctx.conn, {
      timeZone: env.node.ctx.config.timeZone,
      provinceCode: env.node.ctx.config.provinceCode,
      qualificationsOf: async (idNumber) => {
        asked.singles.push(idNumber);
        return (await held().findOne({ idNumber }))?.held ?? [];
      },
      qualificationsOfMany: async (idNumbers) => {
        asked.batches.push([...idNumbers]);
        const rows = await held()
          .find({ idNumber: { $in: idNumbers } })
          .toArray();
        return new Map(rows.map((r) => [r.idNumber, r.held]));
      },
    });
  }

  async function importRows(
    reg: ReturnType<typeof registrationWithPorts>,
    actor: AuthUser,
    rows: SheetRow[],
  ) {
    const preview = await reg.previewImport(actor, {
      filename: "batch.csv",
      contentBase64: csvFile(rows).toString("base64"),
    });
    expect(preview.refused, JSON.stringify(preview.rows.filter((r) => r.problems.length))).to.equal(0);
    return preview.importId;
  }

  it("when imports of 10 and of 40 rows are confirmed, then each confirmation sends as many commands: the people's qualifications are read in one batch", async () => {
    const asked = { singles: [] as string[], batches: [] as string[][] };
    const reg = registrationWithPorts(asked);
    const counts: number[] = [];
    for (const size of [10, 40]) {
      const importId = await importRows(
        reg,
        officer.user,
        Array.from({ length: size }, () => aRow()),
      );
      const commands = await commandsDuring(env.node.ctx.conn, async () => {
        expect((await reg.confirmImport(officer.user, importId)).registered).to.equal(size);
      });
      expect(
        commands.filter((c) => c === "find test_held_qualifications"),
        `${size} rows`,
      ).to.have.length(1);
      // The import's own round trips: the audit chain's depend on whether this process last moved
      // its head, and the node's background loops on the clock, neither on the rows.
      counts.push(commands.filter((c) => OWN.test(c)).length);
    }
    expect(counts[1], `commands for 10 rows, then for 40`).to.equal(counts[0]);
    expect(asked.singles).to.deep.equal([]);
  });

  it("when a person of the file holds a qualification, then the batch's answer admits their row, and the dry run and the confirmation ask once each", async () => {
    const holder = uniqueIdNumber();
    // A passenger driver since 2015: a dangerous-goods application needs 2 years of one.
    await held().insertOne({
      idNumber: holder,
      held: [{ categoryCode: "01001", firstIssuedOn: "2015-03-01", divisionCode: "320100" }],
    });
    const asked = { singles: [] as string[], batches: [] as string[][] };
    const reg = registrationWithPorts(asked);
    const hazmat = aRow({ 身份证号: holder, 报考类别: "道路危险货物运输驾驶员", 已受危险货物培训: "是" });
    const importId = await importRows(reg, officer.user, [
      hazmat,
      ...Array.from({ length: 9 }, () => aRow()),
    ]);
    expect((await reg.confirmImport(officer.user, importId)).registered).to.equal(10);
    expect(asked.singles).to.deep.equal([]);
    expect(asked.batches).to.have.length(2);
    for (const batch of asked.batches) {
      expect(batch).to.have.length(10);
      expect(batch).to.include(holder);
    }
  });
});
