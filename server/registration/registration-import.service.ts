import { createHash } from "node:crypto";
import { Types, type ClientSession, type Model } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import type { CategoryCode } from "../contracts/categories.js";
import type {
  RegistrationImportBody,
  RegistrationImportConfirmedDto,
  RegistrationImportDto,
} from "../contracts/registration-import.js";
import type { AuditLog } from "../audit/index.js";
import type { AppError } from "../lib/errors.js";
import { errors } from "../lib/errors.js";
import { isDuplicateKey } from "../lib/mongo.js";
import type { CandidateDoc } from "./candidate.model.js";
import type { EligibilityRule } from "./eligibility.js";
import { checkRows, idNumbersOf, type CheckedRow, type ImportedCandidate } from "./import-check.js";
import { readRegistrationSheet, type SheetRegistration } from "./import-sheet.js";
import { registrationImportModel, type RegistrationImportDoc } from "./import.model.js";
import { decodeBase64 } from "../lib/base64.js";
import { reopenWithdrawn } from "./registration-write.js";
import type { CertifiedHeld } from "./held-scope.js";

/** How long a dry run waits for its confirmation before it must be uploaded again. */
const PREVIEW_TTL_MS = 60 * 60 * 1000;
/** How long a confirmed import is remembered, so a repeated confirmation is answered, not written. */
const CONFIRMED_TTL_MS = 24 * 60 * 60 * 1000;

type StoredImport = RegistrationImportDoc & { _id: Types.ObjectId };

/** What many people hold, in one ask, by ID number as asked; absent from the answer: holds nothing. */
export type QualificationsOfManyPort = (idNumbers: string[]) => Promise<ReadonlyMap<string, CertifiedHeld[]>>;

/** How many people are asked about at once when the certificates feature answers only one at a time. */
const HELD_ASKS_AT_ONCE = 16;

/** Thrown inside the confirmation when a row's withdrawn registration was reopened meanwhile. */
const REOPEN_RACED = errors.conflict("candidate_exists", "该身份证号码刚被登记");

/**
 * Bulk registration (批量导入报名): a dry run that stores the rows and reports every problem, then
 * a confirmation that checks every row again on live state inside one transaction and writes all
 * of them with one audit entry, or none. Imported registrations carry no photo: the proctor takes
 * one at check-in.
 */
export function createRegistrationImport(d: {
  conn: Parameters<typeof registrationImportModel>[0];
  Candidates: Model<CandidateDoc>;
  audit: AuditLog;
  provinceCode: string | null;
  rules: Record<CategoryCode, EligibilityRule[]>;
  now: () => Date;
  /** Today in the node's time zone (see calendarDay). */
  today: () => Date;
  heldOf: (idNumber: string) => Promise<CertifiedHeld[]>;
  /** What many people hold in one ask, preferred over `heldOf` (one ask per person) when present. */
  heldOfMany?: QualificationsOfManyPort;
  alreadyRegistered: (actor: AuthUser, prior: { _id: unknown; divisionCode: string }) => AppError;
}) {
  const Imports = registrationImportModel(d.conn);

  /**
   * What the file's people hold, asked once for them all: in one batch where the port allows, else
   * a few people at a time. One ask per row, in turn, made a 2,000-row confirmation wait on 2,000
   * round trips inside its transaction, and every audited change of this process behind it.
   */
  async function heldOfFile(idNumbers: string[]): Promise<(idNumber: string) => Promise<CertifiedHeld[]>> {
    let found: ReadonlyMap<string, CertifiedHeld[]> = new Map();
    if (idNumbers.length > 0 && d.heldOfMany) found = await d.heldOfMany(idNumbers);
    else if (idNumbers.length > 0) {
      const each = new Map<string, CertifiedHeld[]>();
      for (let i = 0; i < idNumbers.length; i += HELD_ASKS_AT_ONCE) {
        const some = idNumbers.slice(i, i + HELD_ASKS_AT_ONCE);
        const answers = await Promise.all(some.map((id) => d.heldOf(id)));
        some.forEach((id, j) => each.set(id, answers[j] ?? []));
      }
      found = each;
    }
    const asked = new Set(idNumbers);
    // A number the check reads otherwise than idNumbersOf is asked on its own: never taken as holding nothing.
    return (idNumber) =>
      asked.has(idNumber) ? Promise.resolve(found.get(idNumber) ?? []) : d.heldOf(idNumber);
  }

  /** Every row checked on the facts as they are now (read inside `session` when confirming). */
  async function check(actor: AuthUser, rows: SheetRegistration[], session?: ClientSession) {
    const idNumbers = idNumbersOf(rows);
    const prior = await d.Candidates.find(
      { idNumber: { $in: idNumbers } },
      { idNumber: 1, divisionCode: 1, withdrawnAt: 1 },
      { session },
    ).lean();
    return checkRows(rows, {
      actor,
      provinceCode: d.provinceCode,
      rules: d.rules,
      today: d.today(),
      heldOf: await heldOfFile(idNumbers),
      registered: new Map(prior.map((p) => [p.idNumber, p])),
      alreadyRegistered: d.alreadyRegistered,
    });
  }

  function toDto(stored: StoredImport, checked: CheckedRow[]): RegistrationImportDto {
    const refused = checked.filter((c) => !c.candidate).length;
    return {
      importId: String(stored._id),
      filename: stored.filename,
      readAs: stored.readAs,
      status: stored.status as "previewed" | "confirmed",
      rows: checked.map((c) => c.report),
      accepted: checked.length - refused,
      refused,
      expiresAt: stored.expiresAt.toISOString(),
    };
  }

  /**
   * Why a checked file cannot be written, or null: the rows' own problems first, as the dry run
   * named them; else a person registered outside the officer's scope, said of the file and never of
   * a row, as the single registration says it of one number (no report, no line, no masked number).
   */
  function refusalOf(stored: StoredImport, checked: CheckedRow[], message: (refused: number) => string): AppError | null {
    const refused = checked.filter((c) => !c.candidate).length;
    if (refused > 0) return errors.unprocessable("import_has_problems", message(refused), toDto(stored, checked));
    if (checked.some((c) => c.registeredElsewhere))
      return errors.conflict(
        "id_number_unavailable",
        "本批有考生的身份证号码无法在本辖区登记，本批考生一个也未写入，请联系省级管理部门",
      );
    return null;
  }

  const rowsOf = (stored: StoredImport): SheetRegistration[] =>
    stored.rows.map((r) => ({
      line: r.line,
      cells: (r.cells ?? {}) as SheetRegistration["cells"],
      imprecise: r.imprecise as SheetRegistration["imprecise"],
      notes: r.notes,
    }));

  return {
    /**
     * The dry run: reads and checks the file, remembers it for the confirmation, writes no candidate.
     * Audited (`candidate.import_checked`, with the file's hash and row count) with the import it
     * stores: a dry run reads the registrations of up to 2,000 ID numbers at once, so repeated ones
     * must be visible to the province even though they write nothing.
     */
    async previewImport(actor: AuthUser, body: RegistrationImportBody): Promise<RegistrationImportDto> {
      const bytes = decodeBase64(body.contentBase64, "文件内容");
      const sheet = await readRegistrationSheet(body.filename, bytes);
      const checked = await check(actor, sheet.rows);
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      const stored = await d.audit.transaction(async (session) => {
        const [created] = await Imports.create(
          [
            {
              importedBy: actor.id,
              filename: body.filename,
              readAs: sheet.readAs,
              sha256,
              rows: sheet.rows,
              expiresAt: new Date(d.now().getTime() + PREVIEW_TTL_MS),
            },
          ],
          { session },
        );
        if (!created) throw new Error("import not stored");
        await d.audit.append(session, {
          action: "candidate.import_checked",
          actor,
          divisionCode: actor.divisionCode,
          target: { type: "registration_import", id: String(created._id) },
          details: { filename: body.filename, rows: sheet.rows.length, sha256 },
        });
        return created.toObject() as StoredImport;
      });
      return toDto(stored, checked);
    },

    /**
     * Writes every row of a dry run, or none: the rows are checked again inside the transaction
     * (a candidate registered since the dry run, a changed scope or rule refuses the whole file
     * with the new report), and the import is marked confirmed in the same transaction, so a second
     * confirmation, even a concurrent one, finds it confirmed and writes nothing.
     */
    async confirmImport(actor: AuthUser, importId: string): Promise<RegistrationImportConfirmedDto> {
      if (!Types.ObjectId.isValid(importId)) throw errors.notFound("导入批次", "import_not_found");
      const run = () =>
        d.audit.transaction(async (session) => {
          const now = d.now();
          const stored = (await Imports.findOne({ _id: importId, importedBy: actor.id }, null, {
            session,
          }).lean()) as StoredImport | null;
          if (stored?.status === "confirmed")
            throw errors.conflict("import_already_confirmed", "该批报名已经导入，不会重复写入");
          if (!stored || stored.expiresAt <= now)
            throw errors.notFound("导入批次（或已过期，请重新上传）", "import_not_found");
          const checked = await check(actor, rowsOf(stored), session);
          const refusal = refusalOf(
            stored,
            checked,
            (refused) => `有 ${refused} 行不能登记，本批考生一个也未写入，请修改文件后重新上传`,
          );
          if (refusal) throw refusal;
          // The import's one write, before the candidates': a concurrent confirmation of the same
          // import conflicts on it and, retried, finds it confirmed. insertMany below writes every
          // checked row or throws (and the transaction writes nothing), so the count is exact.
          const marked = await Imports.updateOne(
            { _id: stored._id, status: "previewed" },
            {
              $set: {
                status: "confirmed",
                confirmedAt: now,
                expiresAt: new Date(now.getTime() + CONFIRMED_TTL_MS),
                rows: [],
                registered: checked.length,
              },
            },
            { session },
          );
          if (marked.matchedCount !== 1)
            throw errors.conflict("import_already_confirmed", "该批报名已经导入，不会重复写入");
          const fieldsOf = (c: CheckedRow) => ({
            ...(c.candidate as ImportedCandidate),
            heldQualifications: [],
            photoId: null,
            registeredBy: actor.id,
          });
          const written = await d.Candidates.insertMany(
            checked.filter((c) => !c.reopens).map(fieldsOf),
            { session },
          );
          // A withdrawn registration of a row's person is reopened with the row's details, as the
          // single form reopens it: audited `candidate.reinstated` each, naming what it replaced.
          let reopened = 0;
          for (const c of checked) {
            if (!c.reopens) continue;
            await reopenWithdrawn(d, session, actor, c.reopens, fieldsOf(c), () => REOPEN_RACED);
            reopened += 1;
          }
          await d.audit.append(session, {
            action: "candidate.imported",
            actor,
            divisionCode: actor.divisionCode,
            target: { type: "registration_import", id: importId },
            details: {
              filename: stored.filename,
              registered: written.length + reopened,
              reopened,
              sha256: stored.sha256,
            },
          });
          return { stored, registered: written.length + reopened };
        });
      try {
        const { registered } = await run();
        return { importId, registered };
      } catch (err) {
        // A person registered (or a withdrawn one reopened) by someone else between the re-check and
        // the write: the unique index or the reopening's condition refused it and the transaction
        // wrote nothing; answer with the report as it now is.
        if (err !== REOPEN_RACED && !isDuplicateKey(err, "idNumber")) throw err;
        const stored = (await Imports.findById(importId).lean()) as StoredImport | null;
        if (!stored) throw err;
        const checked = await check(actor, rowsOf(stored));
        // A re-check that finds nothing (the racing registration gone again) has no row to report:
        // the officer is told to check the file again instead of reading a report without problems.
        throw (
          refusalOf(stored, checked, () => "导入时有考生刚被登记，本批考生一个也未写入，请查看报告") ??
          errors.conflict("import_raced", "导入时有考生刚被他人登记，本批考生一个也未写入，请重新预检后再提交")
        );
      }
    },
  };
}
