import type { CategoryCode } from "../contracts/categories.js";
import type { Paper } from "../contracts/paper.js";
import type { ExamSessionDto, SeatAssignmentDto } from "../contracts/scheduling.js";
import type { ServerToClientEvents } from "../contracts/socket-events.js";
import type { RetakePolicy } from "./retake.js";

/**
 * Narrow ports exam delivery consumes, so it can be built and tested before (and apart from) the
 * features that implement them. `server/features.ts` wires the real ones.
 */

/** Scheduling (`server/scheduling/index.ts`). */
export interface SchedulingPort {
  getSession(sessionId: string): Promise<ExamSessionDto | null>;
  listAssignments(sessionId: string): Promise<SeatAssignmentDto[]>;
}

/** The question bank (`server/question-bank/index.ts`): paper assembly and the blueprint's policies. */
export interface PaperPort {
  buildPaper(input: {
    categoryCode: CategoryCode;
    blueprintRef?: { id: string; version: number };
    seed: string;
    avoidQuestionIds?: string[];
    exposure?: Map<string, number>;
  }): Promise<Paper>;
  /** Retake policy and approved accommodations (minutes) of the blueprint a paper follows. */
  policies(blueprint: {
    id: string;
    version: number;
  }): Promise<{ retake: RetakePolicy; accommodations: Record<string, number> }>;
  /** Retake policy of the category's current blueprint (for the check at scheduling time); null when none. */
  currentRetakePolicy?(categoryCode: CategoryCode): Promise<RetakePolicy | null>;
}

/** The audit log (`server/audit/index.ts` `record`). */
export interface AuditPort {
  record(input: {
    action: string;
    actor: { id: string; kind: "staff" | "candidate" | "system" | "anonymous"; name: string };
    divisionCode?: string | null;
    target?: { type: string; id: string } | null;
    details?: Record<string, unknown>;
  }): Promise<unknown>;
}

/**
 * Pushes server events to socket rooms (`attempt:<id>`, `session:<id>`, `candidate:<id>`). The
 * socket layer implements it over socket.io (through the Redis adapter when several instances
 * run), so services never see a socket.
 */
export interface Notifier {
  toRoom<E extends keyof ServerToClientEvents>(
    room: string,
    event: E,
    ...args: Parameters<ServerToClientEvents[E]>
  ): void;
}

export const rooms = {
  attempt: (id: string) => `attempt:${id}`,
  session: (id: string) => `session:${id}`,
  candidate: (id: string) => `candidate:${id}`,
};

/** Who performs an action, as the services record it. */
export interface Actor {
  id: string;
  name: string;
  kind: "staff" | "candidate" | "system";
}

export const SYSTEM: Actor = { id: "system", name: "系统", kind: "system" };
