import { expect } from "chai";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ExamSessionDto } from "../../../server/contracts/scheduling.js";
import { seedSampleBanks } from "../../../server/question-bank/index.js";
import {
  aSessionThroughApi,
  registerTestCandidate,
  scheduleCandidates,
  staffAgent,
  type AuthedAgent,
} from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";
import { checkInAck } from "../question-bank/pinned-bank.js";
import { ok } from "./support/clients.js";
import { examDb } from "./support/models.js";

/**
 * One sitting, one blueprint: a session's papers follow the blueprint version current when it was
 * scheduled (or, scheduled before its category had one, at its first check-in), whatever is
 * published later; its length defaults to that version's minutes.
 */
describe("exam delivery: a session keeps the blueprint version it was pinned to", function () {
  this.timeout(120_000);
  let node: Awaited<ReturnType<typeof startTestNode>>;
  let examiner: AuthedAgent;
  let reviewer: AuthedAgent;
  let officer: AuthedAgent;
  let sample: Record<string, unknown>;

  before(async () => {
    node = await startTestNode();
    await seedSampleBanks(node.ctx);
    examiner = await staffAgent(node, { roles: ["examiner"] });
    reviewer = await staffAgent(node, { roles: ["reviewer"] });
    officer = await staffAgent(node, { roles: ["officer"], divisionCode: "320100" });
    const file = path.join(process.cwd(), "question-bank", "blueprints", "01001.json");
    sample = (JSON.parse(await readFile(file, "utf8")) as { blueprint: Record<string, unknown> }).blueprint;
  });
  after(async () => {
    await node.stop();
  });

  /** A new version of the 01001 blueprint, saved by the examiner and published by the reviewer. */
  async function publishVersion(over: { minutes: number; passMark: number }): Promise<number> {
    const saved = await examiner.agent
      .post("/api/question-bank/blueprints")
      .send({ blueprint: { ...sample, ...over } })
      .expect(201);
    const { id, version } = saved.body as { id: string; version: number };
    await reviewer.agent.post(`/api/question-bank/blueprints/${id}/versions/${version}/publish`).expect(200);
    return version;
  }

  async function checkIn(session: ExamSessionDto, candidate: { id: string; idNumber: string }) {
    const checked = ok(await checkInAck(node, session, candidate));
    const { Attempts, Papers } = examDb(node.ctx.conn);
    const attempt = await Attempts.findById(checked.seat.attemptId).lean();
    const paper = await Papers.findById(checked.seat.attemptId).lean();
    return {
      blueprint: attempt?.events[0]?.data?.blueprint as string,
      passMark: paper?.paper.passMark,
      minutes: attempt?.minutes,
    };
  }

  it("when a new version is published between two check-ins of a session scheduled before it, then both candidates sit the version the first check-in pinned", async () => {
    const fixture = await scheduleCandidates(node, { count: 2, startsInMinutes: 1 });
    const [first, second] = fixture.candidates;
    if (!first || !second) throw new Error("fixture");
    const pinned = await checkIn(fixture.session, first);
    await publishVersion({ minutes: 60, passMark: 95 });
    const later = await checkIn(fixture.session, second);
    expect(later.blueprint).to.equal(pinned.blueprint);
    expect(later.passMark).to.equal(pinned.passMark);
    const session = await officer.agent.get(`/api/exam-sessions/${fixture.session.id}`).expect(200);
    expect(`${session.body.session.blueprint.id}@${session.body.session.blueprint.version}`).to.equal(
      pinned.blueprint,
    );
    // The pin decided both papers: it is on record once, as the first check-in's proctor's act.
    const pins = await node.ctx.conn
      .collection("audit_log")
      .find({ action: "session.blueprint_pinned", "target.id": fixture.session.id })
      .toArray();
    expect(pins.map((e) => `${e.details.blueprintId}@${e.details.blueprintVersion}`)).to.deep.equal([
      pinned.blueprint,
    ]);
    expect(pins[0]?.actor.kind).to.equal("staff");
  });

  it("when an officer schedules a session without a length, then it takes the current version's minutes and keeps that version after a newer one is published", async () => {
    const current = await publishVersion({ minutes: 75, passMark: 85 });
    const session = await aSessionThroughApi(node, officer, new Date(Date.now() + 60_000));
    expect(session.durationMinutes).to.equal(75);
    expect(session.blueprint).to.deep.equal({ id: "bp-01001", version: current });

    await publishVersion({ minutes: 90, passMark: 99 });
    const candidate = await registerTestCandidate(node, { categories: ["01001"] });
    await officer.agent
      .post(`/api/exam-sessions/${session.id}/assignments`)
      .send({ candidateId: candidate.id })
      .expect(201);
    const sat = await checkIn(session, candidate);
    expect(sat).to.deep.equal({ blueprint: `bp-01001@${current}`, passMark: 85, minutes: 75 });
  });
});
