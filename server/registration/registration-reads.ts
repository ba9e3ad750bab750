import type { ClientSession, Model } from "mongoose";
import { isCanonicalObjectId, type AuthUser } from "../contracts/auth.js";
import type { CategoryCode } from "../contracts/categories.js";
import type { CandidateDto } from "../contracts/registration.js";
import { canonicalPersonName } from "../contracts/validation.js";
import { divisionFilter } from "../access/index.js";
import { errors } from "../lib/errors.js";
import { binaryToBuffer, claimInTransaction, newestPage } from "../lib/mongo.js";
import type { CandidateDoc, CandidatePhotoDoc } from "./candidate.model.js";
import { toCandidateDto, type CandidateLean } from "./candidate.presenter.js";
import type { HolderFacts } from "../certificates/index.js";

/** The registrations a list query names, within the actor's divisions. */
function listFilter(
  actor: AuthUser,
  query: { q?: string; categoryCode?: CategoryCode; withdrawn?: "include" },
): Record<string, unknown> {
  const filter: Record<string, unknown> = divisionFilter(actor.divisionCode);
  // Withdrawn registrations are left out of pick lists and automatic seating unless asked for.
  if (query.withdrawn !== "include") filter.withdrawnAt = null;
  if (query.categoryCode) filter.categories = query.categoryCode;
  if (query.q) {
    filter.$or = /^[\dXx]+$/.test(query.q)
      ? [{ idNumber: { $regex: `^${query.q.toUpperCase()}` } }]
      : // Names are stored in one spelling (personName): the search text is brought to it too.
        [{ name: { $regex: `^${canonicalPersonName(query.q).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}` } }];
  }
  return filter;
}

/**
 * Reading registrations: the officer's lists and one registration (within the actor's divisions),
 * and, for other features without actor checks, a candidate, their photo and the seating's claim.
 * Kept apart from the registration facade (registration.service.ts), which writes them.
 */
export function createRegistrationReads(d: {
  Candidates: Model<CandidateDoc>;
  Photos: Model<CandidatePhotoDoc>;
  /** The registration service's read of one registration within the actor's divisions (else 404). */
  loadInScope: (actor: AuthUser, id: string) => Promise<CandidateLean>;
}) {
  const { Candidates, Photos, loadInScope } = d;

  /** The photo `photoId`, or null (none, or not an id). */
  async function getPhoto(photoId: string): Promise<{ mimeType: string; data: Buffer } | null> {
    if (!isCanonicalObjectId(photoId)) return null;
    const p = await Photos.findById(photoId).lean();
    return p ? { mimeType: p.mimeType, data: binaryToBuffer(p.data) } : null;
  }

  /**
   * The registration photo, or null. Local functions, not methods: the reads are spread into the
   * service, where `this` would be whatever object called them.
   */
  async function getCandidatePhoto(candidateId: string): Promise<{ mimeType: string; data: Buffer } | null> {
    if (!isCanonicalObjectId(candidateId)) return null;
    const c = await Candidates.findById(candidateId, { photoId: 1 }).lean();
    return c?.photoId ? getPhoto(c.photoId) : null;
  }

  return {
    /**
     * The newest `limit` registrations under the filter, and how many there are in all: a page
     * that shows the newest 200 must be able to say that there are more.
     */
    async page(
      actor: AuthUser,
      query: {
        q?: string;
        categoryCode?: CategoryCode;
        limit: number;
        withdrawn?: "include";
        before?: string;
      },
    ): Promise<{ candidates: CandidateDto[]; total: number; next: string | null }> {
      const filter = listFilter(actor, query);
      const { rows, total, next } = await newestPage(
        Candidates,
        filter,
        { time: "createdAt", tie: "_id" },
        query.before,
        query.limit,
      );
      return { candidates: (rows as CandidateLean[]).map(toCandidateDto), total, next };
    },

    /**
     * The candidates of a category in the actor's divisions who wait for a seat, first registered
     * first: not withdrawn, not in `exclude` (seated, passed), at most `limit`. Read oldest first to
     * the end if need be: the newest 500, which automatic seating took before, left out everyone
     * registered earlier and still waiting once a division had more.
     */
    async waitingFor(
      actor: AuthUser,
      categoryCode: CategoryCode,
      exclude: ReadonlySet<string>,
      limit: number,
    ): Promise<CandidateDto[]> {
      const filter = listFilter(actor, { categoryCode });
      const out: CandidateDto[] = [];
      for await (const c of Candidates.find(filter).sort({ createdAt: 1, _id: 1 }).lean().cursor()) {
        if (exclude.has(String(c._id))) continue;
        out.push(toCandidateDto(c as CandidateLean));
        if (out.length >= limit) break;
      }
      return out;
    },

    async get(actor: AuthUser, id: string): Promise<CandidateDto> {
      return toCandidateDto(await loadInScope(actor, id));
    },

    async getPhotoFor(actor: AuthUser, id: string): Promise<{ mimeType: string; data: Buffer }> {
      const c = await loadInScope(actor, id);
      const photo = await getCandidatePhoto(String(c._id));
      if (!photo) throw errors.notFound("照片");
      return photo;
    },

    /**
     * For scheduling, inside its seating transaction `tx`: true while none of the candidates is
     * withdrawn, each then claimed by a write, so a withdrawal in flight conflicts with the seating
     * (one of the two is retried and sees the other) instead of both passing their checks.
     */
    async claimForSeating(
      candidateIds: string[],
      tx: ClientSession,
      copied?: { name: string },
    ): Promise<boolean> {
      const ids = [...new Set(candidateIds)];
      if (!ids.every(isCanonicalObjectId)) return false;
      // `copied`: the name the seat (and its ticket) copies, still the registration's: a name
      // corrected since the seating read the candidate left the old name on the ticket.
      const registered = { _id: { $in: ids }, withdrawnAt: null, ...(copied ? { name: copied.name } : {}) };
      return (await claimInTransaction(Candidates, registered, "seatClaims", tx)) === ids.length;
    },

    /**
     * For certificate issuance, inside its transaction `tx`: claims the registration by a write
     * conditional on it being still registered (not withdrawn) and still holding the facts the
     * certificate copies (`expected`, as issuance read them before sealing). A withdrawal or a
     * correction committed since the read is seen here, and one racing the issuance conflicts with
     * this write (one of the two is retried and sees the other), so neither slips past the other.
     */
    async claimHolder(
      candidateId: string,
      expected: HolderFacts,
      tx: ClientSession,
    ): Promise<"claimed" | "missing" | "withdrawn" | "changed"> {
      if (!isCanonicalObjectId(candidateId)) return "missing";
      // Every fact named (typed as the whole of HolderFacts): a fact the certificate comes to copy
      // must join this filter, or the claim would stop checking it.
      const facts: Required<HolderFacts> = {
        name: expected.name,
        idNumber: expected.idNumber,
        sex: expected.sex,
        birthDate: expected.birthDate,
        addressDivisionCode: expected.addressDivisionCode,
        // null matches a field absent too: a registration without a licence has neither.
        licenceClass: expected.licenceClass,
        licenceFirstIssuedOn: expected.licenceFirstIssuedOn,
        photoId: expected.photoId,
      };
      const filter = { _id: candidateId, withdrawnAt: null, ...facts };
      if ((await claimInTransaction(Candidates, filter, "certificateClaims", tx)) === 1) return "claimed";
      const now = await Candidates.findById(candidateId, { withdrawnAt: 1 }).session(tx).lean();
      if (!now) return "missing";
      return now.withdrawnAt ? "withdrawn" : "changed";
    },

    /** For other features (scheduling, exam check-in): a candidate without scope checks. */
    async getCandidate(candidateId: string): Promise<CandidateDto | null> {
      if (!isCanonicalObjectId(candidateId)) return null;
      const c = (await Candidates.findById(candidateId).lean()) as CandidateLean | null;
      return c ? toCandidateDto(c) : null;
    },

    /** For the proctor's check-in: the registration photo. */
    getCandidatePhoto,

    /**
     * For certificates: the photo `photoId`, also one a registration has replaced since (photos are
     * kept), as a certificate prints the photo it recorded at issue; null when there is none.
     */
    getPhoto,
  };
}
