/**
 * `bench:exam`'s rooms and candidates: fixture rooms with their seat assignments, the proctor's
 * check-in of every candidate, and each candidate's socket connected and synced to its attempt.
 */
import type { Connection } from "mongoose";
import type { SeatAssignmentDto } from "../../server/contracts/scheduling.js";
import { connectClient, emitAck, type BenchSocket } from "./bench-socket.js";
import { createFixtureSession } from "./exam-fixtures.js";
import { inBatches } from "./exam-load.js";
import { candidateUser, proctorUser } from "./exam-users.js";

export interface BenchRoom {
  sessionId: string;
  assignments: SeatAssignmentDto[];
}

/** `n` candidates in rooms of `roomSize` (late entry open long enough for the whole check-in). */
export async function createRooms(conn: Connection, n: number, roomSize: number): Promise<BenchRoom[]> {
  const rooms: BenchRoom[] = [];
  for (let left = n; left > 0; left -= roomSize) {
    const { session, assignments } = await createFixtureSession(conn, {
      candidates: Math.min(roomSize, left),
      categoryCode: "01001",
      lateEntryMinutes: 120,
    });
    rooms.push({ sessionId: session.id, assignments });
  }
  return rooms;
}

/** The proctor of the benchmark's test centre, connected. */
export function connectProctor(url: string): Promise<BenchSocket> {
  return connectClient(url, proctorUser({ id: "bench-proctor", displayName: "压测监考" }));
}

/** Checks every candidate in (papers assembled then), the rooms in parallel, a room's seats in turn. */
export async function checkInAll(proctor: BenchSocket, rooms: BenchRoom[]): Promise<void> {
  await Promise.all(
    rooms.map(async (r) => {
      for (const a of r.assignments) {
        const ack = await emitAck(
          proctor,
          "proctor:check_in",
          { sessionId: r.sessionId, candidateId: a.candidateId, idNumber: a.idNumber },
          60_000,
        );
        if (!ack.ok) throw new Error(`check-in failed: ${JSON.stringify(ack.error)}`);
      }
    }),
  );
}

/** Connects every candidate (100 at a time) and syncs it to its attempt: sockets and attempt ids by candidate. */
export async function connectCandidates(
  url: string,
  rooms: BenchRoom[],
): Promise<{ sockets: BenchSocket[]; attemptIds: string[] }> {
  const all = rooms.flatMap((r) => r.assignments.map((a) => ({ sessionId: r.sessionId, a })));
  const sockets: BenchSocket[] = new Array<BenchSocket>(all.length);
  const attemptIds: string[] = new Array<string>(all.length);
  await inBatches(all, 100, async ({ sessionId, a }, i) => {
    const s = await connectClient(url, candidateUser(sessionId, a));
    const ack = await emitAck(s, "attempt:sync", {}, 60_000);
    if (!ack.ok) throw new Error(`sync failed: ${JSON.stringify(ack.error)}`);
    sockets[i] = s;
    attemptIds[i] = ack.data.attemptId;
  });
  return { sockets, attemptIds };
}
