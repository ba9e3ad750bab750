import type { ClientSession } from "mongoose";
import type { ImportFormat } from "../contracts/question-import.js";
import type { FeatureContext } from "../feature.js";
import type { ImportCommit } from "./import-blueprints.js";
import type { ImportFile } from "./import-readers.js";
import { SYSTEM_ACTOR, type AuditInput } from "./ports.js";
import type { ImportOptions } from "./question-import.service.js";

/** The commit of one import file's writer (import-writer.ts), shared with its blueprints' import. */
export function createImportCommit(
  ctx: Pick<FeatureContext, "conn" | "logger">,
  file: ImportFile,
  format: ImportFormat,
  options: ImportOptions,
): ImportCommit {
  const actor = options.actor ?? SYSTEM_ACTOR;
  const auditActor = {
    id: actor.id,
    kind: actor.id === SYSTEM_ACTOR.id ? ("system" as const) : ("staff" as const),
    name: actor.displayName,
  };

  /**
   * Runs one batch's writes with its entry as one transaction (`audit.transaction` + `append`);
   * without an audit log (a script's own database) the entry goes to the log instead.
   */
  async function commit(
    details: () => Record<string, unknown>,
    work: (session: ClientSession) => Promise<void>,
  ) {
    // The details once the work has run: it may have refused items (bank_in_use).
    const entry = (): AuditInput => ({
      action: "question_bank.imported",
      actor: auditActor,
      target: { type: "import", id: file.name },
      details: { format, publish: Boolean(options.publish), ...details() },
    });
    const { audit } = options;
    if (!audit) {
      await ctx.conn.transaction(work);
      ctx.logger.info({ audit: entry() }, "question bank import");
      return;
    }
    await audit.transaction(async (session) => {
      await work(session);
      await audit.append(session, entry());
    });
  }

  return commit;
}
