import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";

/** An incident report (考场情况记录): environment, candidate, staff or technical. */
const incidentSchema = new Schema(
  {
    _id: { type: String, required: true },
    sessionId: { type: String, required: true, index: true },
    attemptId: { type: String, default: null },
    kind: { type: String, required: true, enum: ["environment", "candidate", "staff", "technical"] },
    note: { type: String, required: true },
    reportedBy: { type: String, required: true },
    reportedById: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { timestamps: false },
);
export type IncidentDoc = InferSchemaType<typeof incidentSchema> & { _id: string };

export function incidentModel(conn: Connection): Model<IncidentDoc> {
  return (
    (conn.models.ExamIncident as Model<IncidentDoc> | undefined) ??
    conn.model<IncidentDoc>("ExamIncident", incidentSchema, "exam_incidents")
  );
}
