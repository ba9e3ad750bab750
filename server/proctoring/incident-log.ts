import { randomBytes } from "node:crypto";
import type { ClientSession, Connection } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import type { IncidentDto, IncidentPayload } from "../contracts/exams.js";
import { incidentModel, type IncidentDoc } from "./incident.model.js";

function toIncident(d: IncidentDoc): IncidentDto {
  return {
    id: d._id,
    sessionId: d.sessionId,
    attemptId: d.attemptId ?? null,
    kind: d.kind,
    note: d.note,
    reportedBy: d.reportedBy,
    at: d.at.toISOString(),
  };
}

/** The incident reports of sessions (environment / candidate / staff / technical). */
export function createIncidentLog(conn: Connection) {
  const Incidents = incidentModel(conn);
  return {
    async list(sessionId: string): Promise<IncidentDto[]> {
      return (await Incidents.find({ sessionId }).sort({ at: 1 }).lean<IncidentDoc[]>()).map(toIncident);
    },
    /** Stores a report inside the caller's transaction `session` (the one its audit entry joins). */
    async create(user: AuthUser, p: IncidentPayload, at: Date, session: ClientSession): Promise<IncidentDto> {
      const [doc] = await Incidents.create(
        [
          {
            _id: `inc_${randomBytes(8).toString("hex")}`,
            sessionId: p.sessionId,
            attemptId: p.attemptId ?? null,
            kind: p.kind,
            note: p.note,
            reportedBy: user.displayName,
            reportedById: user.id,
            at,
          },
        ],
        { session },
      );
      return toIncident(doc!.toObject() as IncidentDoc);
    },
  };
}
