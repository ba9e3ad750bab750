import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import { AppError, errors } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import { isDuplicateKey } from "../lib/mongo.js";
import { SYSTEM_ACTOR, type Actor, type CertificateAuditPort } from "./record.js";
import type { SigningService } from "./signing.service.js";

/**
 * One document per key rotated away from (`_id`: province, purpose, kid of the key ended): the claim
 * that lets exactly one instance rotate it, kept in the database every instance shares (a claim in
 * one process's memory let two instances that checked together both rotate, and the second ended
 * the key the first had just announced). `done` once the rotation and its audit entry committed.
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
    toKid: { type: String, default: null },
    switchAt: { type: String, default: null },
    doneAt: { type: Date, default: null },
  },
  { collection: "certificate_key_rotations", versionKey: false },
);
type RotationDoc = InferSchemaType<typeof rotationSchema>;

function rotationModel(conn: Connection): Model<RotationDoc> {
  return (
    (conn.models.CertificateKeyRotation as Model<RotationDoc> | undefined) ??
    conn.model<RotationDoc>("CertificateKeyRotation", rotationSchema)
  );
}

/**
 * A claim not done after this long was left by an instance that stopped mid-rotation (a rotation
 * takes milliseconds): another instance may take it over.
 */
const CLAIM_STALE_MS = 10 * 60_000;

type Purpose = "certificate" | "trust-list";

export interface KeyRotationOptions {
  provinceCode: string;
  audit: CertificateAuditPort;
  signing: Pick<SigningService, "rotate" | "openKey" | "validFromOf">;
  /** How long a certificate key signs (CERT_KEY_LIFETIME_DAYS); 0: rotated only when asked. */
  lifetimeMs: number;
  /** How long before it switches a new certificate key is made and announced (CERT_KEY_ROTATION_LEAD_HOURS). */
  leadMs: number;
  clock: () => Date;
  logger: Pick<Logger, "info" | "warn">;
}

/**
 * Rotation of the node's signing keys, on schedule and on an operator's request: a certificate key
 * is rotated once it is within the lead of its lifetime's end, so the new key is made, on the node's
 * trust list and announced to the hub (the signing service wakes the push) a full lead before it
 * signs anything, and takes over at the old key's end (or a lead from now, when the check comes
 * late: never without the lead). Every instance runs the check; the claim in the database lets one
 * rotate, and the key file's own check (`expectOpen`) refuses a second rotation of the same key.
 * The claim's completion and the audit entry (`certificate.key_rotated`) commit together.
 */
export function createKeyRotation(conn: Connection, opts: KeyRotationOptions) {
  const Rotations = rotationModel(conn);

  /** Claims the rotation of `fromKid` (its claim's id); null when another instance holds or finished it. */
  async function claim(
    purpose: Purpose,
    fromKid: string,
    scheduled: boolean,
    now: Date,
  ): Promise<string | null> {
    const _id = `${opts.provinceCode}:${purpose}:${fromKid}`;
    try {
      await Rotations.create({
        _id,
        provinceCode: opts.provinceCode,
        purpose,
        fromKid,
        status: "rotating",
        scheduled,
        claimedAt: now,
      });
      return _id;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const stale = new Date(now.getTime() - CLAIM_STALE_MS);
    const taken = await Rotations.updateOne(
      { _id, status: "rotating", claimedAt: { $lt: stale } },
      { $set: { claimedAt: now, scheduled } },
    );
    return taken.modifiedCount === 1 ? _id : null;
  }

  /**
   * Rotates the key of `purpose` now in use, once: null when another instance rotated it (or is
   * rotating it) meanwhile. `leadMs` overrides the configured lead.
   */
  async function rotateOnce(
    purpose: Purpose,
    actor: Actor,
    scheduled: boolean,
    leadMs?: number,
  ): Promise<{ kid: string; previousKid: string; validFrom: string } | null> {
    const open = opts.signing.openKey(purpose);
    if (!open) throw new Error(`no ${purpose} key in use`);
    const id = await claim(purpose, open.kid, scheduled, opts.clock());
    if (!id) return null;
    let kid: string;
    try {
      kid = await opts.signing.rotate(purpose, {
        expectOpen: open.kid,
        ...(leadMs !== undefined ? { leadMs } : {}),
      });
    } catch (err) {
      // Nothing rotated: the claim goes, so the next check (or the operator) can try again.
      await Rotations.deleteOne({ _id: id, status: "rotating" });
      if (err instanceof AppError && err.code === "key_rotated_meanwhile") return null;
      throw err;
    }
    const validFrom = opts.signing.validFromOf(kid) ?? opts.clock().toISOString();
    await opts.audit.transaction(async (session) => {
      await Rotations.updateOne(
        { _id: id },
        { $set: { status: "done", toKid: kid, switchAt: validFrom, doneAt: opts.clock() } },
        { session },
      );
      await opts.audit.append(session, {
        action: "certificate.key_rotated",
        actor,
        divisionCode: opts.provinceCode,
        target: { type: purpose === "certificate" ? "certificate_key" : "trust_list_key", id: kid },
        details: { kid, previousKid: open.kid, validFrom, scheduled },
      });
    });
    return { kid, previousKid: open.kid, validFrom };
  }

  return {
    /**
     * The scheduled check (every instance, hourly by default): rotates the certificate key when it
     * is within the lead of its lifetime's end. The new key's switch is the old key's end, never
     * sooner than a lead from now. Resolves the new kid, or null when nothing was due (or another
     * instance rotated).
     */
    async rotateIfDue(): Promise<string | null> {
      if (opts.lifetimeMs <= 0) return null;
      const open = opts.signing.openKey("certificate");
      if (!open) return null;
      const now = opts.clock().getTime();
      const from = Date.parse(open.validFrom);
      // A key waiting for its switch is the one a rotation just made: its lifetime has not begun.
      if (from > now) return null;
      const end = from + opts.lifetimeMs;
      if (now < end - opts.leadMs) return null;
      const rotated = await rotateOnce("certificate", SYSTEM_ACTOR, true, Math.max(opts.leadMs, end - now));
      if (rotated)
        opts.logger.info(
          { kid: rotated.kid, previousKid: rotated.previousKid, switchAt: rotated.validFrom },
          "certificate signing key rotated on schedule; announced to the hub ahead of its switch",
        );
      return rotated?.kid ?? null;
    },
    /**
     * An operator's rotation (a leaked key, a suite change): refused `key_rotation_in_progress` while
     * another rotation of the same key runs or has just replaced it.
     */
    async rotate(actor: AuthUser, purpose: Purpose = "certificate"): Promise<string> {
      const rotated = await rotateOnce(purpose, actor, false);
      if (!rotated)
        throw errors.conflict(
          "key_rotation_in_progress",
          "该签名密钥正由其他实例更换或刚已更换，请稍后查看密钥列表，确有需要再重试",
        );
      return rotated.kid;
    },
  };
}
export type KeyRotation = ReturnType<typeof createKeyRotation>;
