/**
 * Type-level tests of the typed socket helper, checked by `npm run typecheck` (never run by mocha).
 * Each `@ts-expect-error` line MUST fail to compile: if the helper stopped checking a handler's
 * result or payload against the contract map, the directive itself would become the error.
 */
import { z } from "zod";
import { AnswerPayload, SyncPayload } from "../../server/contracts/exams.js";
import type { CandidateAttemptDto, SaveAckDto } from "../../server/contracts/exams.js";
import { on } from "../../server/lib/socket-ack.js";
import type { AppSocket } from "../../server/lib/socket-types.js";

declare const socket: AppSocket;
declare const saveAck: SaveAckDto;
declare const attempt: CandidateAttemptDto;

export function typeChecks(): void {
  // The right ack type for the event compiles.
  on(socket, "attempt:answer", AnswerPayload, async () => saveAck);
  on(socket, "system:ping", z.object({}).strict(), () => ({ serverTime: 1 }));

  // @ts-expect-error attempt:answer acks a SaveAckDto, not a candidate's attempt.
  on(socket, "attempt:answer", AnswerPayload, async () => attempt);

  // @ts-expect-error system:ping acks { serverTime: number }; a string is the wrong type.
  on(socket, "system:ping", z.object({}).strict(), () => ({ serverTime: "now" }));

  // @ts-expect-error the schema must parse to the event's payload (attempt:sync's schema here).
  on(socket, "attempt:answer", SyncPayload, async () => saveAck);

  // @ts-expect-error an event name that is not in the contract map.
  on(socket, "attempt:answr", AnswerPayload, async () => saveAck);

  // The handler's payload parameter is the contract's payload type.
  on(socket, "attempt:answer", AnswerPayload, async (p) => {
    // @ts-expect-error attempt:answer's payload has no `lastSeq`.
    void p.lastSeq;
    return saveAck;
  });
}
