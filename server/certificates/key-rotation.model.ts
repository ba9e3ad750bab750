import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";

/**
 * One document per key rotated away from (`_id`: province, purpose, kid of the key ended): the claim
 * that lets exactly one instance rotate it, kept in the database every instance shares (a claim in
 * one process's memory let two instances that checked together both rotate, and the second ended
 * the key the first had just announced). `done` once the rotation and its audit entry committed.
 * `actor`: who asked (absent on claims made before it was kept), for the entry of a rotation that
 * another instance finishes after the one that rotated stopped (`finishInterrupted`, key-rotation.ts).
 */
const rotationSchema = new Schema(
  {
    _id: { type: String, required: true },
    provinceCode: { type: String, required: true },
    purpose: { type: String, required: true, enum: ["certificate", "trust-list"] },
    fromKid: { type: String, required: true },
    status: { type: String, required: true, enum: ["rotating", "done"] },
    scheduled: { type: Boolean, required: true },
    claimedAt: { type: Date, required: true },
    actor: {
      type: new Schema(
        {
          id: { type: String, required: true },
          kind: { type: String, required: true, enum: ["staff", "candidate", "system", "anonymous"] },
          name: { type: String, required: true },
        },
        { _id: false },
      ),
      default: null,
    },
    toKid: { type: String, default: null },
    switchAt: { type: String, default: null },
    doneAt: { type: Date, default: null },
  },
  { collection: "certificate_key_rotations", versionKey: false },
);
type RotationDoc = InferSchemaType<typeof rotationSchema>;

export function rotationModel(conn: Connection): Model<RotationDoc> {
  return (
    (conn.models.CertificateKeyRotation as Model<RotationDoc> | undefined) ??
    conn.model<RotationDoc>("CertificateKeyRotation", rotationSchema)
  );
}

/**
 * A claim not done after this long was left by an instance that stopped mid-rotation (a rotation
 * takes milliseconds): another instance may take it over.
 */
export const CLAIM_STALE_MS = 10 * 60_000;

/** Which of the node's keys a rotation ends. */
export type Purpose = "certificate" | "trust-list";
