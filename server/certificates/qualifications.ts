import type { Connection } from "mongoose";
import { CATEGORIES, type CategoryCode } from "../contracts/categories.js";
import { certificateModel } from "./certificate.model.js";

/** A category a person holds on this node's certificate, from the day it was first issued. */
export interface HeldQualification {
  categoryCode: CategoryCode;
  firstIssuedOn: string;
  /**
   * The certificate's division: registration shows what a person holds only to the officers who
   * may see the certificate (an officer of another city learns nothing of it).
   */
  divisionCode: string;
}

/** A certificate's categories as qualifications registration reads (codes this node does not know left out). */
function heldCategories(
  categories: readonly { code: string; firstIssuedOn: string }[] | undefined,
  divisionCode: string,
): HeldQualification[] {
  return (categories ?? [])
    .filter((c): c is typeof c & { code: CategoryCode } => c.code in CATEGORIES)
    .map((c) => ({ categoryCode: c.code, firstIssuedOn: c.firstIssuedOn, divisionCode }));
}

/**
 * What this node has certified each of `idNumbers` for: the categories of their valid certificate
 * whose last day (`validTo`, China's calendar day, as the certificate prints it) is `today` or
 * later. One read for one person or for a registration import of thousands, so both answer alike.
 * One certificate per person counts (the certificate number is the ID number, unique here), and
 * the read is sorted, newest issue first per person, so the one that counts is pinned rather than
 * whichever the database returned first, should a person ever have two.
 */
export async function heldQualifications(
  conn: Connection,
  idNumbers: readonly string[],
  today: string,
): Promise<Map<string, HeldQualification[]>> {
  const docs = await certificateModel(conn)
    .find(
      { certificateNo: { $in: [...new Set(idNumbers)] }, status: "valid", validTo: { $gte: today } },
      { certificateNo: 1, categories: 1, divisionCode: 1 },
    )
    .sort({ certificateNo: 1, issuedAt: -1, _id: 1 })
    .lean();
  const held = new Map<string, HeldQualification[]>();
  for (const d of docs)
    if (!held.has(d.certificateNo)) held.set(d.certificateNo, heldCategories(d.categories, d.divisionCode));
  return held;
}
