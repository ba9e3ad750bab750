import type { CandidateAttemptDto } from "../../../../server/contracts/exams.js";
import {
  connectSocket,
  loginCandidate,
  scheduleCandidates,
  staffAgent,
  type ScheduledCandidates,
} from "../../../helpers/auth.js";
import type { startTestNode } from "../../../helpers/node.js";
import { call, ok, type ExamSocket } from "./clients.js";

type Node = Awaited<ReturnType<typeof startTestNode>>;

/**
 * On a whole province node: a session starting in a minute with `count` seated candidates, and a
 * logged-in proctor of its test centre watching it over a real socket (close it after the test).
 */
export async function aWatchedSession(
  node: Node,
  count: number,
): Promise<ScheduledCandidates & { proctor: ExamSocket }> {
  const fixture = await scheduleCandidates(node, { count, startsInMinutes: 1, earliestHandInMinutes: 0 });
  return { ...fixture, proctor: await aProctorWatching(node, fixture) };
}

/** A logged-in proctor of the fixture's test centre watching its session over a real socket. */
export async function aProctorWatching(node: Node, fixture: ScheduledCandidates): Promise<ExamSocket> {
  const agent = await staffAgent(node, {
    roles: ["proctor"],
    testCentreId: fixture.room.testCentreId,
    divisionCode: fixture.session.divisionCode,
  });
  const proctor = (await connectSocket(node, agent)) as unknown as ExamSocket;
  ok(await call(proctor, "proctor:watch", { sessionId: fixture.session.id }));
  return proctor;
}

/** The proctor checks one seated candidate in (入场核验), acknowledged. */
export async function checkIn(
  proctor: ExamSocket,
  sessionId: string,
  candidate: { id: string; idNumber: string },
): Promise<void> {
  ok(
    await call(proctor, "proctor:check_in", {
      sessionId,
      candidateId: candidate.id,
      idNumber: candidate.idNumber,
    }),
  );
}

/** The session's release before its scheduled start, with the written reason an early one needs. */
export async function releaseEarly(proctor: ExamSocket, sessionId: string): Promise<void> {
  ok(
    await call(proctor, "proctor:release", {
      sessionId,
      earlyReason: "考生全部到齐，经考点主任同意提前开考",
    }),
  );
}

/**
 * The one candidate of a watched session logged in at their seat, with a real socket, not yet
 * checked in. Close `pSock` and `cSock` after the test.
 */
export async function aCandidateLoggedInAtTheirSeat(node: Node) {
  const { session, candidates, proctor: pSock } = await aWatchedSession(node, 1);
  const cand = candidates[0];
  if (!cand) throw new Error("fixture");
  const credentials = {
    idNumber: cand.idNumber,
    ticketNo: cand.assignment.ticketNo,
    seatToken: cand.seatToken,
  };
  const login = await loginCandidate(node, credentials);
  const cSock = (await connectSocket(node, login)) as unknown as ExamSocket;
  return { session, cand, login, credentials, pSock, cSock };
}

/**
 * A candidate of a watched session logged in at their seat, checked in, confirmed and released
 * (early, to keep tests short): answering, the session's nominal end not yet passed. Close
 * `pSock` and `cSock` after the test.
 */
export async function aCandidateSitting(node: Node) {
  const { session, cand, login, credentials, pSock, cSock } = await aCandidateLoggedInAtTheirSeat(node);
  await checkIn(pSock, session.id, cand);
  const synced = ok(await call(cSock, "attempt:sync", {}));
  ok(await call(cSock, "attempt:confirm", { attemptId: synced.attemptId }));
  const started = new Promise<CandidateAttemptDto>((r) => cSock.once("attempt:started", r));
  await releaseEarly(pSock, session.id);
  const paper = await started;
  return { session, cand, login, credentials, pSock, cSock, paper };
}
