import type { Connection } from "mongoose";
import type { AuditActor } from "../contracts/audit.js";
import { KeyRotationSettingsDto } from "../contracts/certificates.js";
import { AppError, errors } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import { isDuplicateKey } from "../lib/mongo.js";
import { toAuditActor } from "../audit/index.js";
import { SYSTEM_ACTOR, type Actor, type CertificateAuditPort } from "./record.js";
import type { Config } from "../config.js";
import { createSigningService, type SigningService } from "./signing.service.js";
import { CLAIM_STALE_MS, rotationModel, type Purpose } from "./key-rotation.model.js";

export interface KeyRotationOptions {
  provinceCode: string;
  audit: CertificateAuditPort;
  signing: Pick<SigningService, "rotate" | "openKey" | "validFromOf" | "successorOf" | "start">;
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
 * The claim's completion and the audit entry (`certificate.key_rotated`) commit together; a
 * rotation interrupted between the key file and that commit is finished by the next check.
 */
export function createKeyRotation(conn: Connection, opts: KeyRotationOptions) {
  const Rotations = rotationModel(conn);
  // The configuration (server/config.ts) holds the lead in whole hours within the contract's range,
  // so a lead outside it is a defect: refused here, as the node starts, instead of by an opaque
  // 500 on every GET /api/certificates/keys/rotation.
  const lead = KeyRotationSettingsDto.safeParse({ rotationLeadHours: opts.leadMs / 3_600_000 });
  if (!lead.success)
    throw new Error(
      `certificate key rotation lead of ${opts.leadMs} ms is not a whole number of hours in range`,
    );
  const settings: Readonly<KeyRotationSettingsDto> = Object.freeze(lead.data);

  /**
   * Claims the rotation of `fromKid`: the claim's id and the time that marks it as this holder's
   * (a stale claim taken over gets a new one); null when another instance holds or finished it.
   */
  async function claim(
    purpose: Purpose,
    fromKid: string,
    scheduled: boolean,
    actor: Actor,
    now: Date,
  ): Promise<{ _id: string; claimedAt: Date } | null> {
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
        actor: toAuditActor(actor),
      });
      return { _id, claimedAt: now };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const stale = new Date(now.getTime() - CLAIM_STALE_MS);
    const taken = await Rotations.updateOne(
      { _id, status: "rotating", claimedAt: { $lt: stale } },
      { $set: { claimedAt: now, scheduled, actor: toAuditActor(actor) } },
    );
    return taken.modifiedCount === 1 ? { _id, claimedAt: now } : null;
  }

  /**
   * Marks the claim `done` and appends the rotation's audit entry, in one transaction, only when
   * the claim is still `rotating` as `held` says (else another instance finished it, or took it
   * over, meanwhile): the entry is written once, by whoever moves the claim. False when it did not.
   */
  async function record(
    held: { _id: string; claimedAt?: Date },
    entry: {
      purpose: Purpose;
      kid: string;
      previousKid: string;
      validFrom: string;
      scheduled: boolean;
      actor: Actor;
      /** Rotated with no lead (a leaked key): the old key signed nothing after this rotation. */
      immediate?: boolean;
    },
    recovered: boolean,
  ): Promise<boolean> {
    return opts.audit.transaction(async (session) => {
      const moved = await Rotations.updateOne(
        { _id: held._id, status: "rotating", ...(held.claimedAt ? { claimedAt: held.claimedAt } : {}) },
        { $set: { status: "done", toKid: entry.kid, switchAt: entry.validFrom, doneAt: opts.clock() } },
        { session },
      );
      if (moved.modifiedCount !== 1) return false;
      await opts.audit.append(session, {
        action: "certificate.key_rotated",
        actor: entry.actor,
        divisionCode: opts.provinceCode,
        target: {
          type: entry.purpose === "certificate" ? "certificate_key" : "trust_list_key",
          id: entry.kid,
        },
        details: {
          kid: entry.kid,
          previousKid: entry.previousKid,
          validFrom: entry.validFrom,
          scheduled: entry.scheduled,
          ...(entry.immediate ? { immediate: true } : {}),
          ...(recovered ? { recovered: true } : {}),
        },
      });
      return true;
    });
  }

  /**
   * Finishes the rotations an instance left half done: it rotated the key file, then stopped before
   * the transaction of the claim's completion and its audit entry, so the claim stayed `rotating`
   * with no entry, and nothing would ever finish it (the key it names is no longer the open one,
   * so no later rotation claims it again). A claim older than CLAIM_STALE_MS whose key the key
   * file shows rotated is rolled forward: `done`, with the key that rotation made and its entry
   * (`recovered: true`, the actor the claim kept), after the key file's keys are registered (the
   * stop may have come before the rotation registered its new key, which the trust list and the
   * hub announcement read from the registry). A stale claim whose key is still open rotated
   * nothing: the next rotation of that key takes it over (`claim`). Run before every check.
   */
  async function finishInterrupted(now: Date): Promise<void> {
    const stale = await Rotations.find({
      provinceCode: opts.provinceCode,
      status: "rotating",
      claimedAt: { $lt: new Date(now.getTime() - CLAIM_STALE_MS) },
    }).lean();
    let registered = false;
    for (const c of stale) {
      const next = opts.signing.successorOf(c.fromKid);
      if (!next) continue;
      if (!registered) await opts.signing.start();
      registered = true;
      const purpose = c.purpose as Purpose;
      const finished = await record(
        { _id: c._id, claimedAt: c.claimedAt },
        {
          purpose,
          kid: next.kid,
          previousKid: c.fromKid,
          validFrom: next.validFrom,
          scheduled: c.scheduled,
          actor: c.actor
            ? { id: c.actor.id, kind: c.actor.kind as AuditActor["kind"], name: c.actor.name }
            : SYSTEM_ACTOR,
        },
        true,
      );
      if (finished)
        opts.logger.warn(
          { purpose, kid: next.kid, previousKid: c.fromKid, claimedAt: c.claimedAt },
          "a key rotation interrupted before its audit entry was finished: entry written now",
        );
    }
  }

  /**
   * Rotates the key of `purpose` now in use, once. `busy`: another instance rotated it (or is
   * rotating it) meanwhile. `changed`: the caller named the key it saw open (`seen`, an admin's page)
   * and that key is no longer the open one: rotating the open key would end one the caller never
   * saw, typically the key another admin's rotation has just made, before it signed anything.
   * `leadMs` overrides the configured lead.
   */
  async function rotateOnce(
    purpose: Purpose,
    actor: Actor,
    scheduled: boolean,
    options: { leadMs?: number; seen?: string; immediate?: boolean } = {},
  ): Promise<{ kid: string; previousKid: string; validFrom: string } | "busy" | "changed"> {
    const open = opts.signing.openKey(purpose);
    if (!open) throw new Error(`no ${purpose} key in use`);
    // Checked before claiming: a claim names the key it ends, and one on a key nobody asked to end
    // would stay `rotating` until it went stale.
    if (options.seen !== undefined && options.seen !== open.kid) return "changed";
    const held = await claim(purpose, open.kid, scheduled, actor, opts.clock());
    if (!held) return "busy";
    let kid: string;
    try {
      // The key file's compare-and-set, under its lock: the key read above (the one the caller saw,
      // when it named one) must still be open.
      kid = await opts.signing.rotate(purpose, {
        expectOpen: open.kid,
        ...(options.leadMs !== undefined ? { leadMs: options.leadMs } : {}),
      });
    } catch (err) {
      // The key was rotated by the holder whose stale claim this one took over: the claim stays,
      // so the next check finds the successor and audits that rotation once (finishInterrupted);
      // deleted, nothing would ever record it.
      if (err instanceof AppError && err.code === "key_rotated_meanwhile")
        return options.seen !== undefined ? "changed" : "busy";
      // The key file was rotated and what failed came after (registering the new key: a database
      // blip): the rotation happened, so the claim stays for the next check to finish it (register
      // the key, write the audit entry once); deleted, the rotation would never be recorded.
      if (opts.signing.successorOf(open.kid)) throw err;
      // Nothing rotated: this holder's claim goes (not one another instance took over since), so
      // the next check (or the operator) can try again.
      await Rotations.deleteOne({ _id: held._id, status: "rotating", claimedAt: held.claimedAt });
      throw err;
    }
    const validFrom = opts.signing.validFromOf(kid) ?? opts.clock().toISOString();
    // Finished by another instance meanwhile only if this one took longer than CLAIM_STALE_MS to
    // get here; its entry is written then, not a second one.
    const immediate = purpose === "certificate" && options.leadMs === 0 && options.immediate === true;
    const recorded = await record(
      held,
      { purpose, kid, previousKid: open.kid, validFrom, scheduled, actor, immediate },
      false,
    );
    if (!recorded)
      opts.logger.warn(
        { purpose, kid },
        "key rotated after its claim went stale: the check that finishes the claim audits it, once",
      );
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
      await finishInterrupted(opts.clock());
      if (opts.lifetimeMs <= 0) return null;
      const open = opts.signing.openKey("certificate");
      if (!open) return null;
      const now = opts.clock().getTime();
      const from = Date.parse(open.validFrom);
      // A key waiting for its switch is the one a rotation just made: its lifetime has not begun.
      if (from > now) return null;
      const end = from + opts.lifetimeMs;
      if (now < end - opts.leadMs) return null;
      const rotated = await rotateOnce("certificate", SYSTEM_ACTOR, true, {
        leadMs: Math.max(opts.leadMs, end - now),
      });
      if (typeof rotated === "string") return null;
      opts.logger.info(
        { kid: rotated.kid, previousKid: rotated.previousKid, switchAt: rotated.validFrom },
        "certificate signing key rotated on schedule; announced to the hub ahead of its switch",
      );
      return rotated.kid;
    },
    /**
     * An operator's rotation (a leaked key, a suite change; `npm run cert:rotate-key`, whose actor
     * names the command and the account that ran it): refused `key_rotation_in_progress` while
     * another rotation of the same key runs or has just replaced it. `expectKid`: the key the
     * operator saw open (the admin page's); refused `key_changed_since_viewed` when another
     * rotation has replaced it since, so a page left open never ends the key a rotation just made.
     * `immediate` (a leaked certificate key): no lead, the old key ends now and signs nothing new;
     * issuing waits until the hub lists the new key (signing_key_not_at_hub), which is the price of
     * not signing on with a key a thief also holds. Audited as such (`immediate: true`).
     */
    async rotate(
      actor: Actor,
      purpose: Purpose = "certificate",
      expectKid?: string,
      { immediate = false }: { immediate?: boolean } = {},
    ): Promise<string> {
      await finishInterrupted(opts.clock());
      // The certificate key's lead passed here, not left to the signing service's default, so the
      // rotation waits exactly what `settings()` told the admin (both are CERT_KEY_ROTATION_LEAD_HOURS).
      const rotated = await rotateOnce(purpose, actor, false, {
        ...(purpose === "certificate" ? { leadMs: immediate ? 0 : opts.leadMs, immediate } : {}),
        ...(expectKid !== undefined ? { seen: expectKid } : {}),
      });
      if (rotated === "changed")
        throw errors.conflict(
          "key_changed_since_viewed",
          "您看到的签名密钥已被其他管理员或定时轮换更换，本次未轮换；请查看刷新后的密钥列表，确有需要再重试",
          { expected: expectKid ?? null, open: opts.signing.openKey(purpose)?.kid ?? null },
        );
      if (rotated === "busy")
        throw errors.conflict(
          "key_rotation_in_progress",
          "该签名密钥正由其他实例更换或刚已更换，请稍后查看密钥列表，确有需要再重试",
        );
      return rotated.kid;
    },
    /**
     * What an operator's certificate key rotation does on this node, for the 签名密钥 page to say
     * before it is confirmed: the new key signs `rotationLeadHours` after the rotation (`rotate`
     * passes that lead). Worked out when the node starts (`leadMs` is fixed for its life).
     */
    settings(): KeyRotationSettingsDto {
      return settings;
    },
  };
}
export type KeyRotation = ReturnType<typeof createKeyRotation>;

/**
 * The node's signing service and key rotation as its configuration makes them: the certificates
 * feature's, and the operator's rotation command's (scripts/cert-rotate-key.ts), so both sign,
 * rotate and audit alike. `clock` only when injected (tests): without it, status lists are dated by
 * the database's clock.
 */
export function createNodeSigning(
  conn: Connection,
  config: Config,
  deps: { audit: CertificateAuditPort; logger: Logger; clock?: () => Date },
): { signing: SigningService; keyRotation: KeyRotation } {
  const opts = config.certificates;
  const provinceCode = config.provinceCode ?? "";
  const signing = createSigningService(conn, {
    provinceCode,
    suite: opts.suite,
    keysDir: opts.keysDir,
    trustDemo: opts.trustDemo,
    peers: opts.peers,
    hub:
      config.hub.url && config.hub.publicKey
        ? { url: config.hub.url, publicKey: config.hub.publicKey }
        : null,
    rotationLeadMs: opts.rotationLeadMs,
    // Production makes no second key set beside the province's registered one (an instance with
    // an empty or mis-mounted key folder): it refuses to start instead.
    requireSharedKeys: config.env === "production",
    logger: deps.logger,
    ...(deps.clock ? { clock: deps.clock } : {}),
    timeZone: config.timeZone,
  });
  const keyRotation = createKeyRotation(conn, {
    provinceCode,
    audit: deps.audit,
    signing,
    lifetimeMs: opts.keyLifetimeMs,
    leadMs: opts.rotationLeadMs,
    clock: deps.clock ?? (() => new Date()),
    logger: deps.logger,
  });
  return { signing, keyRotation };
}
