/**
 * True when `id` is an ObjectId in the one text form the database writes wherever it refers to one
 * (24 lower-case hexadecimal digits). Lookups by `_id` also take it in upper case (and any
 * 12-character string as raw bytes), so a looser check let a write find its session and then match
 * the id as given against fields (`sessionId`, `candidateId`) that store the canonical text, and
 * so match nothing. Contracts lower-case ids at the edge (`RecordId`); this refuses the rest.
 */
export function isCanonicalObjectId(id: string): boolean {
  return CANONICAL_OBJECT_ID.test(id);
}

const CANONICAL_OBJECT_ID = /^[a-f\d]{24}$/;
