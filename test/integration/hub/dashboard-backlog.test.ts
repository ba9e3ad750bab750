import { expect } from "chai";
import type { Document } from "mongodb";
import type { Dashboard } from "../../../server/contracts/hub-report.js";
import { staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { commandsDuring } from "../../helpers/commands.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aNewIdNumber, aRegisteredProvince, startTestHub, type TestHub } from "./support.js";

const HOUR = 3600_000;

/** Every value a key holds anywhere in an explain answer (its shape differs between servers). */
function valuesOf(doc: unknown, key: string): unknown[] {
  if (doc === null || typeof doc !== "object") return [];
  return Object.entries(doc as Record<string, unknown>).flatMap(([k, v]) => [...(k === key ? [v] : []), ...valuesOf(v, key)]);
}

/**
 * The hub operator's dashboard refreshes every 10 s. Its exchange backlog (cases waiting for each
 * province's answer, and those past their deadline) was tallied by reading every case the hub ever
 * held into memory on each refresh; it is counted by the database over the open cases instead.
 */
describe("hub dashboard: the exchange backlog", () => {
  const provinceDb = useTestDatabase("prov_dash");
  let hub: TestHub;
  let operator: AuthedAgent;
  const closed = 30;

  before(async () => {
    hub = await startTestHub({}, { monitorCommands: true });
    await aRegisteredProvince(hub, "320000", provinceDb.conn);
    await aRegisteredProvince(hub, "110000", provinceDb.conn);
    operator = await staffAgent(hub.node, { roles: ["hub_operator"] });
    const now = Date.now();
    const aCase = (n: number, to: string, state: string, answered: boolean, deadline: number) => ({
      caseId: `dash-${n}-${Math.random().toString(36).slice(2)}`, kind: "filing", fromProvince: to === "320000" ? "110000" : "320000", toProvince: to,
      senderDivision: "110105", responsibleDivision: to, idNumber: aNewIdNumber(), lookupId: null, body: {}, bodyHash: "0".repeat(64), state,
      sentAt: new Date(now - 48 * HOUR), deliveredAt: null, deadlineAt: new Date(deadline), answeredAt: answered ? new Date(now - 47 * HOUR) : null,
      ack: answered ? { outcome: state === "problem" ? "problem" : "acknowledged" } : null, endedAt: state === "ended" ? new Date(now - HOUR) : null,
      end: null, overdue: false, escalatedAt: null,
    });
    const past = now - HOUR;
    const far = now + 72 * HOUR;
    await hub.node.ctx.conn.collection("exchange_cases").insertMany([
      // Waiting: 江苏 two (one past its deadline), 北京 one.
      aCase(1, "320000", "sent", false, far),
      aCase(2, "320000", "delivered", false, past),
      aCase(3, "110000", "delivered", false, far),
      // Over: answered (some late), or ended by their sender before an answer (waiting for nobody).
      ...Array.from({ length: closed }, (_, i) =>
        aCase(10 + i, i % 2 ? "320000" : "110000", ["acknowledged", "problem", "ended"][i % 3]!, i % 3 !== 2, i % 4 ? far : past),
      ),
    ]);
  });
  after(async () => {
    await hub?.node.stop();
  });

  it("when the dashboard is read, then each province's backlog counts only the cases waiting for it, and the hub reads only those", async () => {
    const pipelines: Document[][] = [];
    const client = hub.node.ctx.conn.getClient();
    const listener = (e: { commandName: string; command: Document }) => {
      if (e.commandName === "aggregate" && e.command.aggregate === "exchange_cases") pipelines.push(e.command.pipeline as Document[]);
    };
    client.on("commandStarted", listener);
    let body: Dashboard | undefined;
    let commands: string[];
    try {
      commands = await commandsDuring(hub.node.ctx.conn, async () => {
        const res = await operator.agent.get("/api/hub/report/dashboard");
        expect(res.status).to.equal(200);
        body = res.body as Dashboard;
      });
    } finally {
      client.off("commandStarted", listener);
    }
    expect(body?.provinces.find((p) => p.provinceCode === "320000")).to.include({ exchangeBacklog: 2, exchangeOverdue: 1 });
    expect(body?.provinces.find((p) => p.provinceCode === "110000")).to.include({ exchangeBacklog: 1, exchangeOverdue: 0 });

    // No case list is read: one count by the database, over an index, examining the waiting cases.
    expect(commands.filter((c) => c.endsWith(" exchange_cases"))).to.deep.equal(["aggregate exchange_cases"]);
    expect(pipelines).to.have.length(1);
    const plan = await hub.node.ctx.conn.db!.command({ explain: { aggregate: "exchange_cases", pipeline: pipelines[0], cursor: {} }, verbosity: "executionStats" });
    expect(valuesOf(plan, "stage")).to.include("IXSCAN").and.not.include("COLLSCAN");
    expect(valuesOf(plan, "totalDocsExamined")).to.deep.equal([3]);
  });
});
