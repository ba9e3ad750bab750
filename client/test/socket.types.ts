/**
 * Type-level tests of the client's typed socket, checked by `npm run typecheck` (vue-tsc over the
 * client project; never run). Each `@ts-expect-error` line MUST fail to compile: if `emitWithAck`
 * stopped checking a payload or an ack against the contract map, the directive itself would
 * become the error. The server's side is test/types/socket-handlers.types.ts.
 */
import type { CandidateAttemptDto, SaveAckDto } from "@contracts/exams.js";
import { emitWithAck } from "@/shared/socket.js";

export async function typeChecks(): Promise<void> {
  // The contract's payload compiles, and the ack carries the contract's data.
  const saved = await emitWithAck("attempt:answer", {
    attemptId: "a1",
    seq: 1,
    index: 0,
    choice: ["A"],
  });
  if (saved.ok) {
    const ack: SaveAckDto = saved.data;
    void ack;
    // @ts-expect-error attempt:answer acks a SaveAckDto, not a candidate's attempt.
    const wrong: CandidateAttemptDto = saved.data;
    void wrong;
  } else {
    // A failed ack carries the shared error body.
    const code: string = saved.error.code;
    void code;
  }

  // @ts-expect-error an ack must be checked for `ok` before its data is read.
  void (await emitWithAck("system:ping", {})).data;

  const ping = await emitWithAck("system:ping", {});
  if (ping.ok) {
    // @ts-expect-error system:ping acks { serverTime: number }; it is not a string.
    const serverTime: string = ping.data.serverTime;
    void serverTime;
  }

  // @ts-expect-error attempt:answer's payload needs `seq` (here it is missing).
  await emitWithAck("attempt:answer", { attemptId: "a1", index: 0, choice: ["A"] });

  // @ts-expect-error proctor:watch takes a session id, not an attempt id.
  await emitWithAck("proctor:watch", { attemptId: "a1" });

  // @ts-expect-error system:ping takes an empty payload.
  await emitWithAck("system:ping", { serverTime: 1 });

  // @ts-expect-error an event name that is not in the contract map.
  await emitWithAck("attempt:answr", {});
}
