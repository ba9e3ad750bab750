import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";

/** A privileged grant waiting for a second admin (see PRIVILEGED_ROLES in contracts/auth.ts). */
const pendingGrantSchema = new Schema(
  {
    /** A new account: it cannot log in (its password waits here) until approved. */
    newAccount: { type: Boolean, default: false },
    /** Privileged roles added: not in `roles` (not effective) until approved. */
    roles: { type: [String], default: [] },
    /** The password set by the admin, effective once approved; the account's own is unusable meanwhile. */
    passwordHash: { type: String, default: null },
    requestedBy: { type: String, required: true },
    requestedByName: { type: String, required: true },
    /** The requesting admin's division: the approver must be at that level or above. */
    requesterDivision: { type: String, required: true },
    requestedAt: { type: Date, required: true },
    /**
     * A reset's previous password, put back if the reset is rejected or withdrawn (a rejection left
     * the account with no usable password). Null when the reset said the account is compromised
     * (that password must not come back), and for grants that set no password.
     */
    previousPassword: {
      type: new Schema(
        {
          passwordHash: { type: String, required: true },
          mustChangePassword: { type: Boolean, default: false },
          passwordUnusable: { type: Boolean, default: false },
        },
        { _id: false },
      ),
      default: null,
    },
    /** The reset marked the old password as possibly leaked (so none is kept to put back). */
    compromised: { type: Boolean, default: false },
    /**
     * The hash a reset left as the account's own (unusable) meanwhile: a rejection puts the previous
     * password back only over it, never over a password set since. Null for grants without a reset.
     */
    placeholderHash: { type: String, default: null },
    /**
     * A re-enabling: the account stays disabled (its privileged roles in `roles`, not effective)
     * until approved; a rejection leaves it disabled as it was.
     */
    reEnable: { type: Boolean, default: false },
    /**
     * The edit's role change (privileged roles it added are in `roles` above): a rejection puts the
     * previous roles back when the account still has the ones the edit left, so a replacement
     * ([officer] → [admin]) rejected does not leave it with none.
     */
    roleChange: {
      type: new Schema(
        {
          from: { type: [String], default: [] },
          to: { type: [String], default: [] },
          testCentreId: { type: String, default: null },
          /**
           * The account keeps `from` (and its centre) until the decision: the replacement is one
           * change, and an account left active with no roles meanwhile logged in to an empty app.
           * Approval writes `to` with the added roles and `toTestCentreId`; a rejection has nothing
           * to put back. Grants stored before it was kept lack the mark (their `to` was written).
           */
          kept: { type: Boolean, default: false },
          toTestCentreId: { type: String, default: null },
        },
        { _id: false },
      ),
      default: null,
    },
    /**
     * The account's roles and division as the request left them: a grant is approved only on the
     * account it was asked on (a role another admin removed meanwhile came back with the approval
     * of a re-enabling). Absent on grants stored before it was kept.
     */
    askedOn: {
      type: new Schema(
        { roles: { type: [String], default: [] }, divisionCode: { type: String, required: true } },
        { _id: false },
      ),
      default: null,
    },
  },
  { _id: false },
);

/** Who asked for and who approved the account's last privileged grant. */
const lastGrantSchema = new Schema(
  {
    roles: { type: [String], default: [] },
    passwordReset: { type: Boolean, default: false },
    newAccount: { type: Boolean, default: false },
    requestedBy: { type: String, required: true },
    approvedBy: { type: String, required: true },
    approvedAt: { type: Date, required: true },
  },
  { _id: false },
);

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
     * The account's password is one nobody knows (grant-approvals.ts): a privileged role approved
     * without a new password, or a compromised reset rejected. Only an admin's reset opens it.
     */
    passwordUnusable: { type: Boolean, default: false },
    /**
     * The admin who last deactivated the account, and their division: re-enabling is for an admin
     * at that level or above (a city admin re-opened what the province had closed).
     */
    deactivatedBy: {
      type: new Schema(
        { id: { type: String, required: true }, divisionCode: { type: String, required: true } },
        { _id: false },
      ),
      default: null,
    },
    /**
     * Raised ($inc) whenever the password is changed or reset and at deactivation. A login keeps
     * the value of the account it was checked against, and holds only while it is still the live
     * one: deleting the account's logins alone missed a login whose check read the old password
     * and whose session was written after the deletion. Absent on accounts never changed: 0.
     */
    credEpoch: { type: Number, default: 0 },
    /**
     * Raised ($inc) at every change an admin makes to the account: an edit names the version its
     * dialog was opened on, and a stale one (another admin saved meanwhile) is refused instead of
     * silently undoing the other's change. Absent on accounts never edited: 0.
     */
    version: { type: Number, default: 0 },
    pendingGrant: { type: pendingGrantSchema, default: null },
    lastGrant: { type: lastGrantSchema, default: null },
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
 * Failed-login counters keyed by login name (a staff username at one client address, and the name
 * alone for its higher limit: see login-throttle.ts staffLockoutKeys; a candidate's typed ID number with
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
