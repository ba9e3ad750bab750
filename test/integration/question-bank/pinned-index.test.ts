import { expect } from "chai";
import { createPinnedBlueprints } from "../../../server/scheduling/index.js";
import { examSessionModel } from "../../../server/scheduling/scheduling.model.js";
import { useTestDatabase } from "../../helpers/database.js";

/** Every value a key holds anywhere in an explain answer (its shape differs between servers). */
function valuesOf(doc: unknown, key: string): unknown[] {
  if (doc === null || typeof doc !== "object") return [];
  return Object.entries(doc as Record<string, unknown>).flatMap(([k, v]) => [
    ...(k === key ? [v] : []),
    ...valuesOf(v, key),
  ]);
}

/**
 * Every retirement, quarantine and approval that may shrink a cell reads the sessions' pinned
 * blueprint versions inside its transaction: over the sessions' index, not the whole collection.
 */
describe("question bank: the pinned blueprint versions are read over an index", () => {
  const db = useTestDatabase("qbpinidx", { monitorCommands: true });

  it("when the pinned versions of a category are read, then the sessions query uses an index (no collection scan)", async () => {
    await examSessionModel(db.conn).createIndexes();
    const hour = 3600_000;
    const at = Date.now();
    const session = (i: number, categoryCode: string, endsIn: number, bookedIn: number | null) => ({
      categoryCode,
      status: "scheduled",
      blueprint: { id: `bp-${categoryCode}`, version: 1 + (i % 2) },
      startsAt: new Date(at + endsIn - 2 * hour),
      endsAt: new Date(at + endsIn),
      bookedUntil: bookedIn === null ? null : new Date(at + bookedIn),
    });
    await db.conn
      .collection("exam_sessions")
      .insertMany([
        ...Array.from({ length: 20 }, (_, i) => session(i, "02001", hour, hour)),
        ...Array.from({ length: 20 }, (_, i) => session(i, "01001", -2 * hour, -hour)),
        session(0, "01001", hour, 2 * hour),
        session(1, "01001", hour, null),
      ]);
    const filters: Record<string, unknown>[] = [];
    const listener = (e: { commandName: string; command: Record<string, unknown> }) => {
      if (e.commandName === "find" && e.command.find === "exam_sessions")
        filters.push(e.command.filter as Record<string, unknown>);
    };
    db.conn.getClient().on("commandStarted", listener);
    let pinned;
    try {
      pinned = await createPinnedBlueprints(db.conn)(["01001"]);
    } finally {
      db.conn.getClient().off("commandStarted", listener);
    }
    expect(pinned.map((p) => [p.blueprint.version, p.sessions]).sort()).to.deep.equal([
      [1, 1],
      [2, 1],
    ]);
    expect(filters).to.have.length(1);
    const plan = await db.conn.db!.command({
      explain: { find: "exam_sessions", filter: filters[0] },
      verbosity: "executionStats",
    });
    expect(valuesOf(plan, "stage")).to.include("IXSCAN").and.not.include("COLLSCAN");
  });
});
