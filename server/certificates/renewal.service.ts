import type { Connection } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import type { CertificateDto, CertificateRecord } from "../contracts/certificates.js";
import { errors } from "../lib/errors.js";
import { certificateModel, type CertificateDoc } from "./certificate.model.js";
import { addDays, refuseRenewal, validityEnd } from "./lifecycle.js";
import {
  actorName,
  enqueue,
  sealAndSign,
  toRecord,
  versionEntryFor,
  type Actor,
  type CertificateAuditPort,
} from "./record.js";
import type { SigningService } from "./signing.service.js";
import { chinaDate } from "../lib/local-time.js";

type CertificateLean = CertificateDoc & { _id: unknown };

/** What renewal needs of the lifecycle service's ports (kept here so neither module imports the other's). */
export interface RenewalPorts {
  audit: CertificateAuditPort;
  signing: SigningService;
  renewalWindowDays: number;
  onOutbox?: () => void;
}

/**
 * Renewal (延续换证): a new issuance version with the next six years, inside the renewal window
 * (CERT_RENEWAL_WINDOW_DAYS before expiry). Part of the lifecycle service, which reaches it.
 */
export function createRenewal(
  conn: Connection,
  ports: RenewalPorts,
  deps: { load: (actor: Actor, certificateNo: string) => Promise<CertificateLean>; clock: () => Date },
) {
  const Certificates = certificateModel(conn);
  const { load, clock } = deps;

  /** Whether `renew` would accept the certificate today, and from which day it would. */
  function renewalOf(doc: Pick<CertificateLean, "status" | "validTo">): CertificateDto["renewal"] {
    const refusal = refuseRenewal(doc.status, doc.validTo, chinaDate(clock()), ports.renewalWindowDays);
    return {
      opensOn: addDays(doc.validTo, -ports.renewalWindowDays),
      allowed: refusal === null,
      reason: refusal?.message ?? null,
    };
  }

  /** A new issuance version with the next six years, inside the renewal window. */
  async function renew(actor: AuthUser, certificateNo: string): Promise<CertificateRecord> {
    const doc = await load(actor, certificateNo);
    const now = new Date(Math.floor(clock().getTime() / 1000) * 1000);
    const refusal = refuseRenewal(doc.status, doc.validTo, chinaDate(now), ports.renewalWindowDays);
    if (refusal) throw errors.conflict(refusal.code, refusal.message);
    // The new card is valid from the renewal day (so it verifies as soon as it is printed) until six
    // years after the old one ends: renewing early never costs the holder days.
    const validFrom = chinaDate(now);
    const validTo = validityEnd(addDays(doc.validTo, 1));
    const version = doc.version + 1;
    const record: CertificateRecord = {
      ...toRecord(doc),
      version,
      serial: `${doc.certificateNo}-${String(version).padStart(2, "0")}`,
      validFrom,
      validTo,
      issuedAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    const chainHash = doc.categories.at(-1)?.chainHash ?? "0".repeat(64);
    const signature = await sealAndSign(ports.signing, record, chainHash);
    const versionEntry = versionEntryFor(record, signature, {
      version,
      kind: "renewal",
      at: now,
      by: actorName(actor),
    });
    await ports.audit.transaction(async (session) => {
      const res = await Certificates.updateOne(
        { _id: doc._id, version: doc.version, status: "valid" },
        {
          $set: { version, validFrom: record.validFrom, validTo: record.validTo, issuedAt: now, signature },
          $push: { versions: versionEntry },
        },
        { session },
      );
      if (res.matchedCount !== 1) throw errors.conflict("certificate_busy", "证书正被他人修改，请重试");
      await ports.audit.append(session, {
        action: "certificate.renewed",
        actor,
        divisionCode: doc.divisionCode,
        target: { type: "certificate", id: doc.certificateNo },
        details: { version, validFrom: record.validFrom, validTo: record.validTo },
      });
      await enqueue(
        conn,
        session,
        "certificate.issued",
        { record, signature, kind: "renewal", flag: 2 },
        `certificate.issued:${record.provinceCode}:${record.certificateNo}:${version}`,
      );
    });
    ports.onOutbox?.();
    return record;
  }

  return { renewalOf, renew };
}
