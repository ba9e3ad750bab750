import { createHash } from "node:crypto";
import type { Model, Types } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import type { CandidateDto, PhotoRefusalDto, ReplacePhotoBody } from "../contracts/registration.js";
import type { AuditLog } from "../audit/index.js";
import { AppError, errors } from "../lib/errors.js";
import type { CandidateDoc, CandidatePhotoDoc } from "./candidate.model.js";
import type { OpenSeatPort } from "./corrections.js";
import { assertNotSeated } from "./seat-refusal.js";
import { toCandidateDto, type CandidateLean } from "./candidate.presenter.js";
import { decodePhoto } from "./photo.js";

/**
 * 更换照片: gives a registration a new photo, or its first (a bulk import registers none). The
 * photo is checked as at registration (decodePhoto). The earlier photo is kept, not overwritten:
 * a certificate prints the photo it recorded at issue by its id (getPhoto). The new photo, the
 * registration's photoId and the audit entry are one transaction; the registration is written only
 * while it still holds the photo read, so a replacement committed in between is refused
 * (candidate_changed) rather than overwritten. An issuance's claim (claimHolder) changes no photoId,
 * so this filter does not see it: both transactions write the registration, the later one hits a
 * write conflict and is retried. Retried after this one, the claim names the old photo and finds the
 * registration changed; retried after the claim, this one replaces the photo, and the certificate
 * keeps the one it recorded (earlier photos are kept).
 */
export function createPhotoUpdate(d: {
  Candidates: Model<CandidateDoc>;
  Photos: Model<CandidatePhotoDoc>;
  audit: AuditLog;
  openSeat: () => OpenSeatPort | undefined;
  /** The node's zone (config.timeZone), for the seat's start a refusal names. */
  timeZone: string;
  /** The registration service's read of one registration within the actor's divisions (else 404). */
  loadInScope: (actor: AuthUser, id: string) => Promise<CandidateLean>;
}) {
  return {
    /**
     * Why 更换照片 would be refused now, in the words replacePhoto would use, or null: the page asks
     * before the officer picks and confirms a photo. replacePhoto checks again (a seat may come).
     */
    async photoRefusal(actor: AuthUser, id: string): Promise<PhotoRefusalDto | null> {
      const c = await d.loadInScope(actor, id);
      if (c.withdrawnAt) return { code: "candidate_withdrawn", message: "该考生已撤销报名" };
      try {
        await assertNotSeated(d.openSeat(), id, "更换照片", d.timeZone);
        return null;
      } catch (err) {
        if (err instanceof AppError && err.status === 409) return { code: err.code, message: err.message };
        throw err;
      }
    },

    async replacePhoto(actor: AuthUser, id: string, input: ReplacePhotoBody): Promise<CandidateDto> {
      const c = await d.loadInScope(actor, id);
      if (c.withdrawnAt) throw errors.conflict("candidate_withdrawn", "该考生已撤销报名");
      const data = decodePhoto(input.mimeType, input.dataBase64);
      // The proctor compares the person with the photo on the check-in list: not changed under them.
      await assertNotSeated(d.openSeat(), id, "更换照片", d.timeZone);
      const before = c.photoId ?? null;
      const after = await d.audit.transaction(async (session) => {
        const [p] = await d.Photos.create(
          [
            {
              mimeType: input.mimeType,
              data,
              size: data.length,
              sha256: createHash("sha256").update(data).digest("hex"),
            },
          ],
          { session },
        );
        if (!p) throw new Error("photo not written");
        const photoId = String(p._id);
        const written = (await d.Candidates.findOneAndUpdate(
          { _id: c._id, withdrawnAt: null, photoId: before },
          { $set: { photoId } },
          { session, returnDocument: "after" },
        ).lean()) as (CandidateDoc & { _id: Types.ObjectId }) | null;
        if (!written) throw errors.conflict("candidate_changed", "该考生的报名信息刚被修改，请刷新后重试");
        // Again inside the transaction, after the write: a seating committed since the check above
        // is seen here, and one racing this write conflicts with it (a seating claims the candidate).
        await assertNotSeated(d.openSeat(), id, "更换照片", d.timeZone, session);
        await d.audit.append(session, {
          action: "candidate.photo_replaced",
          actor,
          divisionCode: c.divisionCode,
          target: { type: "candidate", id },
          details: {
            candidateName: c.name,
            photoIdBefore: before,
            photoId,
            mediaType: input.mimeType,
            bytes: data.length,
            sha256: p.sha256,
          },
        });
        return written;
      });
      return toCandidateDto(after);
    },
  };
}
