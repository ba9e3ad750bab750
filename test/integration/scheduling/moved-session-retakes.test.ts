import { expect } from "chai";
import type { AuthUser } from "../../../server/contracts/auth.js";
import type { ExamSessionDto } from "../../../server/contracts/scheduling.js";
import { AppError, errors } from "../../../server/lib/errors.js";
import { createOrganisationService } from "../../../server/organisation/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService, type RetakeBlockers } from "../../../server/scheduling/index.js";
import { aSessionThroughApi, registerTestCandidate, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { publishedBlueprint, publishedQuestions } from "../question-bank/pinned-bank.js";

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

  it("when scheduling is given the seating's retake check without the bulk one a move asks, then it is refused when built, not at the first move", () => {
    const { conn, config } = env.node.ctx;
    const build = (ports: Record<string, unknown>) => () =>
      createSchedulingService(conn, {
        timeZone: config.timeZone,
        provinceCode: config.provinceCode,
        organisation: createOrganisationService(conn, config.provinceCode, undefined, {
          timeZone: config.timeZone,
        }),
        registration: createRegistrationService(conn, {
          provinceCode: config.provinceCode,
          timeZone: config.timeZone,
        }),
        ...(ports as object),
      });
    expect(build({ retakeCheck: () => Promise.resolve() })).to.throw(/retakeBlockersOf/);
    expect(build({ retakeBlockersOf: () => Promise.resolve(new Map()) })).to.throw(/retakeCheck/);
    expect(build({})).to.not.throw();
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
      timeZone: config.timeZone,
      provinceCode: config.provinceCode,
      organisation: createOrganisationService(conn, config.provinceCode, undefined, {
        timeZone: config.timeZone,
      }),
      registration: createRegistrationService(conn, {
        provinceCode: config.provinceCode,
        timeZone: config.timeZone,
      }),
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

/**
 * A session scheduled before its category had a blueprint pins one only at its first check-in, so
 * its retake policy is the current blueprint's. A move judges it on that one and the new start;
 * what it judged when the candidate was seated (no blueprint, no policy) is not reused.
 */
describe("scheduling: moving a session with no pinned blueprint judges the retake policy anew", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  const examiner = useStaffAgent(env, { roles: ["examiner"] });
  const reviewer = useStaffAgent(env, { roles: ["reviewer"] });

  it("when the category's first blueprint is published after a candidate was seated, then moving the session inside its retake wait is refused naming them, and a time after the wait goes through", async () => {
    const startsAt = new Date(Date.now() + 40 * DAY);
    const session = await aSessionThroughApi(env.node, officer, startsAt, 2);
    expect(session.blueprint).to.equal(null);
    const waiting = await registerTestCandidate(env.node, { name: "吴待补" });
    // Failed twice, the last time yesterday: the default policy (one free retake, then 30 days)
    // lets them sit again from day 29; with no blueprint there is no policy yet.
    await env.node.ctx.conn.collection("exam_attempts").insertMany(
      [3, 1].map((daysAgo) => ({
        _id: `attempt-${waiting.id}-${daysAgo}` as never,
        // Two sittings of two past sessions: one attempt per session and candidate (a unique index).
        sessionId: `ses-past-${daysAgo}`,
        candidateId: waiting.id,
        categoryCode: "01001",
        status: "submitted",
        submittedAt: new Date(Date.now() - daysAgo * DAY),
        result: { passed: false, score: 40 },
      })),
    );
    await officer.agent
      .post(`/api/exam-sessions/${session.id}/assignments`)
      .send({ candidateId: waiting.id })
      .expect(201);
    const bank = { node: env.node, examiner, reviewer, officer };
    await publishedQuestions(bank, 1, "未钉方案章节");
    await publishedBlueprint(bank, 1, "未钉方案章节", "未钉方案");

    const tooEarly = new Date(Date.now() + 10 * DAY).toISOString();
    const res = await officer.agent.patch(`/api/exam-sessions/${session.id}`).send({ startsAt: tooEarly });
    expect([res.status, res.body.error?.code]).to.deep.equal([409, "seated_candidates_refused"]);
    expect(res.body.error.details.candidates).to.deep.equal([
      { candidateId: waiting.id, name: "吴待补", code: "retake_wait" },
    ]);

    const allowed = new Date(Date.now() + 35 * DAY).toISOString();
    const moved = await officer.agent.patch(`/api/exam-sessions/${session.id}`).send({ startsAt: allowed });
    expect([moved.status, moved.body.session?.startsAt, moved.body.session?.blueprint]).to.deep.equal([
      200,
      allowed,
      null,
    ]);
  });
});
