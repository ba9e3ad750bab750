import { createHash } from "node:crypto";
import type { ClientSession, Model, Types } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import { canSeeDivision } from "../access/index.js";
import type { AuditLog } from "../audit/index.js";
import type { AppError } from "../lib/errors.js";
import type { CandidateDoc, CandidatePhotoDoc } from "./candidate.model.js";

/** A registration's fields as `register` writes them (new, or over a withdrawn one). */
export interface RegistrationFields {
  name: string;
  sex: "male" | "female";
  idNumber: string;
  birthDate: string;
  phone: string;
  addressDivisionCode: string;
  divisionCode: string;
  education: string;
  licenceClass?: string;
  licenceFirstIssuedOn?: string;
  categories: string[];
  heldQualifications: { categoryCode: string; firstIssuedOn: string }[];
  declarations: Record<string, unknown>;
  /** Null for a bulk import's row, which carries no photo: the proctor takes one at check-in. */
  photoId: string | null;
  registeredBy: string;
}

/** An existing registration of the same ID number, as `reopenable` reads it. */
export interface PriorRegistration {
  _id: Types.ObjectId;
  divisionCode: string;
  withdrawnAt?: Date | null;
}

/**
 * The registration a new registration of the same person reopens: a withdrawn one the officer may
 * see. Any other prior registration refuses the new one (the single form and the bulk import alike).
 */
export function reopenable(
  actor: AuthUser,
  prior: PriorRegistration | null | undefined,
): { _id: Types.ObjectId; withdrawnAt: Date } | null {
  return prior?.withdrawnAt && canSeeDivision(actor.divisionCode, prior.divisionCode)
    ? { _id: prior._id, withdrawnAt: prior.withdrawnAt }
    : null;
}

type CandidateLean = CandidateDoc & { _id: Types.ObjectId };

interface Stores {
  Candidates: Model<CandidateDoc>;
  Photos: Model<CandidatePhotoDoc>;
  audit: AuditLog;
}

/**
 * Writes a checked registration inside the caller's transaction: its photo, then the candidate
 * (or, for `reopen`, the withdrawn registration reopened: reopenWithdrawn) and its audit entry.
 */
export async function writeRegistration(
  d: Stores,
  session: ClientSession,
  actor: AuthUser,
  input: { fields: Omit<RegistrationFields, "photoId">; photo: { mimeType: string; data: Buffer } },
  reopen: { prior: { _id: Types.ObjectId; withdrawnAt: Date }; refused: () => AppError } | null,
): Promise<CandidateLean> {
  const { data } = input.photo;
  const [p] = await d.Photos.create(
    [
      {
        mimeType: input.photo.mimeType,
        data,
        size: data.length,
        sha256: createHash("sha256").update(data).digest("hex"),
      },
    ],
    { session },
  );
  if (!p) throw new Error("photo not written");
  const fields: RegistrationFields = { ...input.fields, photoId: String(p._id) };
  if (reopen) return reopenWithdrawn(d, session, actor, reopen.prior, fields, reopen.refused);
  const [c] = await d.Candidates.create([fields], { session });
  if (!c) throw new Error("candidate not written");
  await d.audit.append(session, {
    action: "candidate.registered",
    actor,
    divisionCode: c.divisionCode,
    target: { type: "candidate", id: String(c._id) },
    details: { categories: [...c.categories] },
  });
  return c.toObject() as CandidateLean;
}

/** The facts a reopening replaces, named in its audit entry with what they were. */
const RECORDED = [
  "name",
  "phone",
  "addressDivisionCode",
  "divisionCode",
  "education",
  "licenceClass",
  "licenceFirstIssuedOn",
  "categories",
  "photoId",
] as const;

/**
 * Reopens (恢复报名) a withdrawn registration with a new registration's details, inside the
 * caller's transaction (the one that stores the new photo). The ID number is unique, one
 * registration per person, so a person withdrawn once could never be registered again: the
 * register form answered that they were registered, and 报考新类别 refused them as withdrawn.
 *
 * The registration keeps its id, so the seats, papers and results of its first life stay linked
 * to it; its details are the new ones, checked by `register` exactly as a new registration's.
 * The history is kept: the withdrawal's entry stays in the audit log, the earlier photo stays
 * stored, and this reopening's `candidate.reinstated` entry names what was recorded before and
 * the withdrawal it ends. Written only while the registration is still withdrawn as read; a
 * registration reopened meanwhile is refused with `refused()`.
 */
export async function reopenWithdrawn(
  d: { Candidates: Model<CandidateDoc>; audit: AuditLog },
  session: ClientSession,
  actor: AuthUser,
  prior: { _id: Types.ObjectId; withdrawnAt: Date },
  fields: RegistrationFields,
  refused: () => AppError,
): Promise<CandidateLean> {
  // A registration without a licence (装卸管理人员, 押运人员) drops the one recorded before.
  const unset = (["licenceClass", "licenceFirstIssuedOn"] as const).filter((k) => fields[k] === undefined);
  const before = (await d.Candidates.findOneAndUpdate(
    { _id: prior._id, withdrawnAt: prior.withdrawnAt },
    {
      $set: { ...fields, withdrawnAt: null, withdrawReason: null },
      ...(unset.length ? { $unset: Object.fromEntries(unset.map((k) => [k, ""])) } : {}),
    },
    { session, returnDocument: "before" },
  ).lean()) as CandidateLean | null;
  if (!before) throw refused();
  // What the write made of it, without reading it again: the fields set, the licence unset (its
  // updatedAt stays the earlier one; nothing here reads it).
  const after = { ...before, ...fields, withdrawnAt: null, withdrawReason: null } as CandidateLean;
  for (const k of unset) delete after[k];
  await d.audit.append(session, {
    action: "candidate.reinstated",
    actor,
    divisionCode: after.divisionCode,
    target: { type: "candidate", id: String(after._id) },
    details: {
      categories: [...after.categories],
      withdrawnAt: before.withdrawnAt?.toISOString() ?? null,
      withdrawReason: before.withdrawReason ?? null,
      ...Object.fromEntries(RECORDED.map((k) => [`${k}Before`, before[k] ?? null])),
    },
  });
  return after;
}
