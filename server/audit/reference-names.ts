import { referencesIn, type AuditReferenceKind } from "../contracts/audit.js";

/** What a feature answers for the ids of its things an audit page names: a name for each id it still has. */
export type NamesOf = (ids: string[]) => Promise<ReadonlyMap<string, string>>;

/**
 * The owners of the things audit details name by id (set by the composition root once the features
 * exist; a kind without an owner on this node reads as short ids).
 */
export type AuditReferenceNames = Partial<Record<AuditReferenceKind, NamesOf>> & {
  /**
   * The division code of each session (id → code): an entry recorded without a division about a
   * session (publishing its results) is shown under the session's division, not as the node's.
   */
  sessionDivision?: NamesOf;
};

/**
 * The names of the ids a page of entries names: one ask per kind for the whole page (a page of 200
 * check-ins is four reads, not 600), the ids deduplicated. An id its owner no longer has is absent.
 */
export async function referenceNamesIn(
  rows: readonly { details?: unknown }[],
  owners: AuditReferenceNames,
): Promise<Record<string, string>> {
  const byKind = new Map<AuditReferenceKind, Set<string>>();
  for (const r of rows)
    for (const { kind, id } of referencesIn((r.details ?? {}) as Record<string, unknown>)) {
      const ids = byKind.get(kind) ?? new Set<string>();
      ids.add(id);
      byKind.set(kind, ids);
    }
  const names: Record<string, string> = {};
  const answers = await Promise.all(
    [...byKind].map(([kind, ids]) => owners[kind]?.([...ids]) ?? Promise.resolve(new Map<string, string>())),
  );
  for (const answer of answers) for (const [id, name] of answer) names[id] = name;
  return names;
}

/**
 * The division codes of the sessions that entries recorded without a division are about (one ask
 * for the page), by the entry's sequence number.
 */
export async function sessionDivisionsOf(
  rows: readonly { seq: number; divisionCode?: string | null; target?: unknown }[],
  owners: AuditReferenceNames,
): Promise<Map<number, string>> {
  const about = new Map<number, string>();
  for (const r of rows) {
    const target = r.target as { type?: unknown; id?: unknown } | null | undefined;
    if (!r.divisionCode && target?.type === "exam_session" && typeof target.id === "string")
      about.set(r.seq, target.id);
  }
  if (about.size === 0 || !owners.sessionDivision) return new Map();
  const codes = await owners.sessionDivision([...new Set(about.values())]);
  const bySeq = new Map<number, string>();
  for (const [seq, id] of about) {
    const code = codes.get(id);
    if (code) bySeq.set(seq, code);
  }
  return bySeq;
}
