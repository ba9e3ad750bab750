import { referencesIn, type AuditReferenceKind } from "../contracts/audit.js";

/** What a feature answers for the ids of its things an audit page names: a name for each id it still has. */
export type NamesOf = (ids: string[]) => Promise<ReadonlyMap<string, string>>;

/** What scheduling answers for the sessions a page needs: each one's name and division code, in one read. */
export type SessionsOf = (
  ids: string[],
) => Promise<ReadonlyMap<string, { readonly name: string; readonly divisionCode: string }>>;

/**
 * The owners of the things audit details name by id (set by the composition root once the features
 * exist; a kind without an owner on this node reads as short ids).
 */
export type AuditReferenceNames = Partial<Record<Exclude<AuditReferenceKind, "session">, NamesOf>> & {
  /**
   * The sessions, asked once a page for both what they answer: the name of each session the
   * details name, and the division of each session an entry recorded without a division is about
   * (publishing its results), shown under the session's division, not as the node's.
   */
  session?: SessionsOf;
};

/** What a page of entries reads of the things it names. */
export interface PageReferences {
  /** The name of each id the details name (an id its owner no longer has is absent). */
  names: Record<string, string>;
  /** The division code of the session each entry recorded without a division is about, by seq. */
  sessionDivisions: Map<number, string>;
}

/**
 * The names of the ids a page of entries names, and the divisions of the sessions its entries
 * without a division are about: one ask per kind for the whole page (a page of 200 check-ins is
 * four reads, not 600), the ids deduplicated, the sessions one ask for both names and divisions.
 */
export async function pageReferences(
  rows: readonly { seq: number; divisionCode?: string | null; target?: unknown; details?: unknown }[],
  owners: AuditReferenceNames,
): Promise<PageReferences> {
  const named = new Set<string>();
  const byKind = new Map<Exclude<AuditReferenceKind, "session">, Set<string>>();
  for (const r of rows)
    for (const { kind, id } of referencesIn((r.details ?? {}) as Record<string, unknown>)) {
      if (kind === "session") {
        named.add(id);
        continue;
      }
      const ids = byKind.get(kind) ?? new Set<string>();
      ids.add(id);
      byKind.set(kind, ids);
    }
  const about = new Map<number, string>();
  for (const r of rows) {
    const target = r.target as { type?: unknown; id?: unknown } | null | undefined;
    if (!r.divisionCode && target?.type === "exam_session" && typeof target.id === "string")
      about.set(r.seq, target.id);
  }
  const sessionIds = [...new Set([...named, ...about.values()])];
  const none = new Map<string, never>();
  const [sessions, ...answers] = await Promise.all([
    (sessionIds.length > 0 ? owners.session?.(sessionIds) : undefined) ?? Promise.resolve(none),
    ...[...byKind].map(([kind, ids]) => owners[kind]?.([...ids]) ?? Promise.resolve(none)),
  ]);
  const names: Record<string, string> = {};
  for (const answer of answers) for (const [id, name] of answer) names[id] = name;
  for (const id of named) {
    const session = sessions.get(id);
    if (session) names[id] = session.name;
  }
  const sessionDivisions = new Map<number, string>();
  for (const [seq, id] of about) {
    const code = sessions.get(id)?.divisionCode;
    if (code) sessionDivisions.set(seq, code);
  }
  return { names, sessionDivisions };
}
