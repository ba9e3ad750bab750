import type { ClientSession, Connection } from "mongoose";
import type { AuditInput, AuditPort } from "../../../server/question-bank/index.js";
import { questionVersionModel } from "../../../server/question-bank/question.model.js";

/**
 * An audit port whose next transaction lets another writer commit at a set moment, so a race
 * between two writers is run the same way every time rather than left to timing. Set `meanwhile`
 * before the call under test: it runs once inside the next audited transaction, after that
 * transaction has read (so its snapshot is taken) and before its own work, then is cleared, so a
 * test can check it ran by `meanwhile` being null again. Registers an afterEach that clears it.
 */
export function racingAudit(db: { readonly conn: Connection }): {
  meanwhile: (() => Promise<void>) | null;
  readonly audited: AuditInput[];
  readonly port: AuditPort;
} {
  const race = {
    meanwhile: null as (() => Promise<void>) | null,
    audited: [] as AuditInput[],
    port: {
      transaction: (work) =>
        db.conn.transaction(async (session: ClientSession) => {
          const other = race.meanwhile;
          race.meanwhile = null;
          if (other) {
            // The snapshot starts at the transaction's first read: the other writer commits after it.
            await questionVersionModel(db.conn).findOne({}).session(session).lean();
            await other();
          }
          return work(session);
        }),
      append: (_session, e) => Promise.resolve(void race.audited.push(e)),
      record: (e) => Promise.resolve(void race.audited.push(e)),
    } satisfies AuditPort as AuditPort,
  };
  afterEach(() => (race.meanwhile = null));
  return race;
}
