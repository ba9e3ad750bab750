import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { Types } from "mongoose";
import { createAuditService } from "../../../server/audit/index.js";
import { createExamService, type ExamService } from "../../../server/exams/index.js";
import { createEventBus } from "../../../server/lib/event-bus.js";
import { createLogger } from "../../../server/lib/logger.js";
import { createOrganisationService } from "../../../server/organisation/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService } from "../../../server/scheduling/index.js";
import { fixtureScheduling, tinyPapers } from "../../../scripts/bench/exam-fixtures.js";
import { commandsDuring } from "../../helpers/commands.js";
import { useTestDatabase } from "../../helpers/database.js";
import { testConfig } from "../../helpers/test-config.js";
import { NODE_TIME_ZONE } from "../../helpers/time-zone.js";

const MINUTE = 60_000;

/** One past sitting of a candidate: its seat (admitted, nominal end passed) and, if any, its attempt. */
interface PastSitting {
  endedMinutesAgo: number;
  attempt?: { status: string; deadlineInMinutes?: number; paused?: boolean };
}

/**
 * Issue: a withdrawal or a name correction asks whether the candidate still holds a seat
 * (`openSeatOf`); for every admitted sitting past its nominal end, exam delivery was asked once,
 * one read each, so a candidate with a long history cost a read per sitting they ever had. Now
 * one read answers them all, with the same answer.
 */
describe("scheduling: the open-seat check asks exam delivery once for all past sittings", function () {
  this.timeout(60_000);
  const db = useTestDatabase("openseat", { monitorCommands: true });
  let exams: ExamService;

  const scheduling = () => {
    const { conn } = db;
    return createSchedulingService(conn, {
      timeZone: NODE_TIME_ZONE,
      provinceCode: "320000",
      organisation: createOrganisationService(conn, "320000", undefined, { timeZone: NODE_TIME_ZONE }),
      registration: createRegistrationService(conn, { provinceCode: "320000", timeZone: NODE_TIME_ZONE }),
      sittingsUntil: (candidateId, sessionIds) => exams.sittingsUntil(candidateId, sessionIds),
    });
  };

  before(() => {
    const config = testConfig({
      NODE_ENV: "test",
      ROLE: "province",
      PROVINCE_CODE: "320000",
      PORT: "0",
      LOG_LEVEL: "silent",
      EXAM_GRACE_SECONDS: "30",
    });
    const logger = createLogger({ level: "silent", name: "open-seat" });
    const { conn } = db;
    exams = createExamService(
      { config, logger, conn, events: createEventBus(logger) },
      {
        scheduling: fixtureScheduling(conn),
        papers: tinyPapers(),
        audit: createAuditService(conn),
        notifier: { toRoom: () => undefined },
      },
    );
  });

  /** A candidate with these past sittings, written as scheduling and exam delivery keep them. */
  async function aCandidateWith(sittings: PastSitting[]) {
    const candidateId = `cand_${randomBytes(6).toString("hex")}`;
    const now = Date.now();
    const sessions: { sessionId: string; startsAt: Date }[] = [];
    for (const s of sittings) {
      const sessionId = new Types.ObjectId().toHexString();
      const endsAt = new Date(now - s.endedMinutesAgo * MINUTE);
      const startsAt = new Date(endsAt.getTime() - 60 * MINUTE);
      sessions.push({ sessionId, startsAt });
      await db.conn.collection("seat_assignments").insertOne({
        sessionId,
        candidateId,
        seatId: "seat-1",
        seatNo: 1,
        ticketNo: `T${randomBytes(6).toString("hex")}`,
        name: "王考生",
        idNumber: "320102199001011234",
        sex: "M",
        categoryCode: "01001",
        startsAt,
        endsAt,
        divisionCode: "320100",
        sessionCancelled: false,
        admissions: 1,
        admittedAt: startsAt,
      });
      if (s.attempt)
        await db.conn.collection("exam_attempts").insertOne({
          _id: `att_${randomBytes(10).toString("hex")}` as never,
          sessionId,
          candidateId,
          categoryCode: "01001",
          status: s.attempt.status,
          deadline:
            s.attempt.deadlineInMinutes === undefined
              ? null
              : new Date(now + s.attempt.deadlineInMinutes * MINUTE),
          pausedAt: s.attempt.paused ? new Date(now - MINUTE) : null,
        });
    }
    return { candidateId, sessions };
  }

  /** The database commands `openSeatOf` sends for the candidate (index builds left out). */
  async function commandsOfOpenSeat(candidateId: string): Promise<string[]> {
    const sched = scheduling();
    // Models register (and build their indexes) on first use: a first ask, not counted.
    await sched.openSeatOf(candidateId);
    return commandsDuring(db.conn, () => sched.openSeatOf(candidateId), { ignore: /^createIndexes/ });
  }

  it("when candidates have one and six finished past sittings, then the open-seat check sends as many commands for either", async () => {
    const finished: PastSitting = { endedMinutesAgo: 30, attempt: { status: "submitted" } };
    const one = await aCandidateWith([finished]);
    const six = await aCandidateWith(
      Array.from({ length: 6 }, (_, i) => ({ ...finished, endedMinutesAgo: 30 + i * 200 })),
    );
    const few = await commandsOfOpenSeat(one.candidateId);
    const many = await commandsOfOpenSeat(six.candidateId);
    expect(many).to.deep.equal(few);
    expect(many.filter((c) => c === "find exam_attempts")).to.have.length(1);
  });

  it("when one of several past sittings still runs (extra time), then the check answers that sitting and its deadline with the grace", async () => {
    const { candidateId, sessions } = await aCandidateWith([
      { endedMinutesAgo: 500, attempt: { status: "submitted" } },
      { endedMinutesAgo: 5, attempt: { status: "in_progress", deadlineInMinutes: 10 } },
      { endedMinutesAgo: 300 },
      { endedMinutesAgo: 900, attempt: { status: "in_progress", deadlineInMinutes: -10 } },
    ]);
    const seat = await scheduling().openSeatOf(candidateId);
    const running = sessions[1];
    if (!seat || !running) throw new Error("expected the running sitting");
    expect(seat.sessionStartsAt.getTime()).to.equal(running.startsAt.getTime());
    const deadline = (await db.conn.collection("exam_attempts").findOne({ sessionId: running.sessionId }))
      ?.deadline as Date;
    expect(seat.sittingUntil?.getTime()).to.equal(deadline.getTime() + 30_000);
  });

  it("when a past sitting is paused, then the check holds the seat a while from now", async () => {
    const { candidateId } = await aCandidateWith([
      { endedMinutesAgo: 400, attempt: { status: "submitted" } },
      { endedMinutesAgo: 5, attempt: { status: "in_progress", deadlineInMinutes: -1, paused: true } },
    ]);
    const before = Date.now();
    const seat = await scheduling().openSeatOf(candidateId);
    expect(seat?.sittingUntil?.getTime()).to.be.greaterThan(before);
  });

  it("when every past sitting is over (handed in, none started, deadline and grace passed), then the check finds no open seat", async () => {
    const { candidateId } = await aCandidateWith([
      { endedMinutesAgo: 30, attempt: { status: "submitted" } },
      { endedMinutesAgo: 300 },
      { endedMinutesAgo: 600, attempt: { status: "in_progress", deadlineInMinutes: -5 } },
      { endedMinutesAgo: 900, attempt: { status: "voided" } },
    ]);
    expect(await scheduling().openSeatOf(candidateId)).to.equal(null);
  });
});
