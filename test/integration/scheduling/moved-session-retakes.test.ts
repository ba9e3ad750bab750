import { expect } from "chai";
import type { AuthUser } from "../../../server/contracts/auth.js";
import type { ExamSessionDto } from "../../../server/contracts/scheduling.js";
import { AppError, errors } from "../../../server/lib/errors.js";
import { createOrganisationService } from "../../../server/organisation/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService, type RetakeBlockers } from "../../../server/scheduling/index.js";
import { aSessionThroughApi, registerTestCandidate, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

const DAY = 86_400_000;

/**
 * The retake policy (already passed, retake wait) is judged on the session's start when a candidate
 * is seated; a session moved afterwards is judged again for every seated candidate, or the new time
 * would seat someone the check-in then turns away at the door.
 */
describe("scheduling: moving a session re-checks its seated candidates' retake policy", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  const anOfficer: AuthUser = {
    id: "o",
    kind: "staff",
    roles: ["officer"],
    displayName: "o",
    divisionCode: "320000",
    provinceCode: "320000",
  };

  const seat = (sessionId: string, candidateId: string) =>
    officer.agent.post(`/api/exam-sessions/${sessionId}/assignments`).send({ candidateId }).expect(201);
  const storedSession = async (id: string) =>
    (await officer.agent.get(`/api/exam-sessions/${id}`).expect(200)).body.session as ExamSessionDto;

  it("when a seated candidate has passed the category since, then moving the session is refused naming them, and changing only its length is not", async () => {
    const startsAt = new Date(Date.now() + 20 * DAY);
    const session = await aSessionThroughApi(env.node, officer, startsAt, 2);
    const passed = await registerTestCandidate(env.node, { name: "钱已过" });
    const other = await registerTestCandidate(env.node, { name: "孙待考" });
    await seat(session.id, passed.id);
    await seat(session.id, other.id);
    // Passed another sitting of the category after being seated in this one.
    await env.node.ctx.conn.collection("exam_attempts").insertOne({
      _id: `attempt-${passed.id}` as never,
      candidateId: passed.id,
      categoryCode: "01001",
      status: "submitted",
      submittedAt: new Date(Date.now() - DAY),
      result: { passed: true, score: 95 },
    });

    const moved = new Date(startsAt.getTime() + DAY).toISOString();
    const res = await officer.agent.patch(`/api/exam-sessions/${session.id}`).send({ startsAt: moved });
    expect([res.status, res.body.error?.code]).to.deep.equal([409, "seated_candidates_refused"]);
    expect(res.body.error.message).to.include("钱已过");
    expect(res.body.error.message).to.not.include("孙待考");
    expect(res.body.error.details.candidates).to.deep.equal([
      { candidateId: passed.id, name: "钱已过", code: "already_passed" },
    ]);
    expect((await storedSession(session.id)).startsAt).to.equal(startsAt.toISOString());
    const seats = await env.node.ctx.conn
      .collection("seat_assignments")
      .find({ sessionId: session.id }, { projection: { startsAt: 1 } })
      .toArray();
    expect(seats.map((s) => (s.startsAt as Date).toISOString())).to.deep.equal([
      startsAt.toISOString(),
      startsAt.toISOString(),
    ]);

    await officer.agent.patch(`/api/exam-sessions/${session.id}`).send({ durationMinutes: 90 }).expect(200);
  });

  it("when a session is moved earlier than a seated candidate's retake wait allows, then it is refused naming them; moved to a time the wait allows, it goes through", async () => {
    const { conn, config } = env.node.ctx;
    const startsAt = new Date(Date.now() + 40 * DAY);
    const waitUntil = new Date(Date.now() + 30 * DAY);
    const session = await aSessionThroughApi(env.node, officer, startsAt, 3);
    const waiting = await registerTestCandidate(env.node, { name: "李补考" });
    const free = await registerTestCandidate(env.node, { name: "周首考" });
    await seat(session.id, waiting.id);
    await seat(session.id, free.id);
    const asked: string[][] = [];
    // The policy as the exam feature judges it: 李补考 failed twice and waits until day 30.
    const retakeBlockersOf: RetakeBlockers = (candidateIds, s) => {
      asked.push([...candidateIds].sort());
      const refused = candidateIds.includes(waiting.id) && s.startsAt < waitUntil;
      return Promise.resolve(
        new Map(
          refused
            ? [[waiting.id, errors.unprocessable("retake_wait", "补考次数已用完，须于 30 天后再考")]]
            : [],
        ),
      );
    };
    const sched = createSchedulingService(conn, {
      provinceCode: config.provinceCode,
      organisation: createOrganisationService(conn, config.provinceCode),
      registration: createRegistrationService(conn, { provinceCode: config.provinceCode }),
      retakeCheck: () => Promise.resolve(),
      retakeBlockersOf,
    });

    const tooEarly = new Date(Date.now() + 10 * DAY).toISOString();
    const refused = await sched.updateSession(anOfficer, session.id, { startsAt: tooEarly }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(AppError);
    expect(refused).to.include({ code: "seated_candidates_refused", status: 409 });
    expect((refused as AppError).message).to.match(/李补考（补考次数已用完/);
    // Everyone seated, in one ask.
    expect(asked).to.deep.equal([[waiting.id, free.id].sort()]);
    expect((await storedSession(session.id)).startsAt).to.equal(startsAt.toISOString());

    const allowed = new Date(Date.now() + 31 * DAY).toISOString();
    const moved = await sched.updateSession(anOfficer, session.id, { startsAt: allowed });
    expect(moved.startsAt).to.equal(allowed);
  });
});
