import { randomBytes } from "node:crypto";
import type { ClientSession, Connection } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import type { IncidentDto, IncidentPayload } from "../contracts/exams.js";
import { errors } from "../lib/errors.js";
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

/**
 * The most reports one session keeps: a room has a handful, a looping console thousands, and every
 * watch and room read returns them all.
 */
export const MAX_INCIDENTS_PER_SESSION = 500;

/** The incident reports of sessions (environment / candidate / staff / technical). */
export function createIncidentLog(conn: Connection) {
  const Incidents = incidentModel(conn);
  return {
    /**
     * The session's newest MAX_INCIDENTS_PER_SESSION reports, oldest first. Only sessions filed
     * before the bound can hold more; they are read no further than it either.
     */
    async list(sessionId: string): Promise<IncidentDto[]> {
      const newest = await Incidents.find({ sessionId })
        .sort({ at: -1, _id: -1 })
        .limit(MAX_INCIDENTS_PER_SESSION)
        .lean<IncidentDoc[]>();
      return newest.reverse().map(toIncident);
    },
    /**
     * Stores a report inside the caller's transaction `session` (the one its audit entry joins),
     * refused `incidents_exhausted` once the session holds MAX_INCIDENTS_PER_SESSION. Counted in the
     * transaction: reports filed at the very same moment may pass the bound by as many, no more.
     */
    async create(user: AuthUser, p: IncidentPayload, at: Date, session: ClientSession): Promise<IncidentDto> {
      const filed = await Incidents.countDocuments({ sessionId: p.sessionId }).session(session);
      if (filed >= MAX_INCIDENTS_PER_SESSION)
        throw errors.conflict("incidents_exhausted", "本场考试登记的考场情况已达上限，请联系考务人员", {
          limit: MAX_INCIDENTS_PER_SESSION,
        });
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
