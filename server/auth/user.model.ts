import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";

const staffUserSchema = new Schema(
  {
    /** Lower-cased; unique per node. */
    username: { type: String, required: true, unique: true },
    displayName: { type: String, required: true },
    passwordHash: { type: String, required: true },
    roles: { type: [String], required: true },
    divisionCode: { type: String, required: true, index: true },
    testCentreId: { type: String, default: null },
    active: { type: Boolean, default: true },
    /**
     * Set when an admin sets the password (a new account, a reset): the admin knows it, so the
     * account may do nothing but change it. Cleared by the owner's change. Accounts set up by the
     * seed scripts are not flagged.
     */
    mustChangePassword: { type: Boolean, default: false },
    /**
     * Raised ($inc) whenever the password is changed or reset and at deactivation. A login keeps
     * the value of the account it was checked against, and holds only while it is still the live
     * one: deleting the account's logins alone missed a login whose check read the old password
     * and whose session was written after the deletion. Absent on accounts never changed: 0.
     */
    credEpoch: { type: Number, default: 0 },
  },
  { timestamps: true, collection: "staff_users" },
);

export type StaffUserDoc = InferSchemaType<typeof staffUserSchema>;

export function staffUserModel(conn: Connection): Model<StaffUserDoc> {
  return (
    (conn.models.StaffUser as Model<StaffUserDoc> | undefined) ?? conn.model("StaffUser", staffUserSchema)
  );
}

/**
 * Failed-login counters keyed by login name (staff username; a candidate's typed ID number with
 * the seat or address the attempts come from, and a ticket at its seat: see candidate-login.ts), kept whether
 * or not the name exists, so lockout behaves the same for unknown names (no enumeration). Stored
 * in the database so every instance of a node enforces the same lockout.
 */
const loginThrottleSchema = new Schema(
  {
    key: { type: String, required: true, unique: true },
    failures: { type: Number, default: 0 },
    windowStartedAt: { type: Date, required: true },
    lockedUntil: { type: Date, default: null },
    /**
     * When the row says nothing any more (its window and any lock are over): every guess at an
     * unknown name writes a row, and without an end the collection grew with every spray.
     */
    expireAt: { type: Date, default: null },
  },
  { collection: "login_throttle" },
);
loginThrottleSchema.index({ expireAt: 1 }, { expireAfterSeconds: 0 });

export type LoginThrottleDoc = InferSchemaType<typeof loginThrottleSchema>;

export function loginThrottleModel(conn: Connection): Model<LoginThrottleDoc> {
  return (
    (conn.models.LoginThrottle as Model<LoginThrottleDoc> | undefined) ??
    conn.model("LoginThrottle", loginThrottleSchema)
  );
}
