import mongoose from "mongoose";
import { QuestionInput, type QuestionDto } from "../contracts/question-bank.js";
import { errors } from "../lib/errors.js";
import { isDuplicateKey } from "../lib/mongo.js";
import { contentOf, parseInput, type BankCore, type Lean } from "./bank-core.js";
import { withPlainIdentity } from "./parsed-item.js";
import type { Actor } from "./ports.js";
import { claimRefs } from "./ref-claims.js";
import { assertNoOtherCopy, changeClaim } from "./content-claims.js";
import { questionContentHash } from "./content-hash.js";
import { toQuestionDto, toQuestionInput } from "./question.presenter.js";

/**
 * Writing questions: a new question (version 1, draft), edits (a draft in place, a published
 * question as a new draft version) and its image. Each change commits with its audit entry.
 */
export function createQuestionAuthoring(core: BankCore) {
  const { ctx, Questions, images, event, audited, audit, latest, assertRefFree } = core;

  /**
   * Applies an edit to a question: a draft is changed in place; a published question gets a new
   * draft version (the published one keeps serving papers until the new one is approved). Refused
   * `question_exists` when the edit makes it read as another live question of one of its categories.
   * `expectedUpdatedAt`: when the version the editor read was last written; refused
   * `question_changed` when the latest version is another one or was written since, so a form read
   * before a colleague's save cannot overwrite it (both reporting success).
   */
  async function edit(
    actor: Actor,
    questionId: string,
    input: QuestionInput,
    imageId: string | null | undefined,
    expectedUpdatedAt?: Date,
  ): Promise<QuestionDto> {
    const current = await latest(questionId);
    if (expectedUpdatedAt && current.updatedAt?.getTime() !== expectedUpdatedAt.getTime()) throw changed();
    const renamed = input.ref !== current.ref;
    if (renamed) await assertRefFree(input.ref, questionId);
    const nextImage = imageId === undefined ? (current.imageId ?? undefined) : (imageId ?? undefined);
    if (current.status === "in_review")
      throw errors.conflict("question_in_review", "题目正在审核中，不能修改；请审核人先退回");
    if (current.status === "retired") throw errors.conflict("question_retired", "题目已停用，不能修改");
    // Only what the edit changes can make it another question's copy (changeClaim).
    const copyOf = changeClaim(questionId, current, input);
    if (current.status === "draft") {
      return audited(async (session) => {
        if (renamed) await claimRefs(ctx.conn, session, [{ ref: input.ref, questionId }]);
        await assertNoOtherCopy(ctx.conn, session, copyOf);
        // Still the draft as read (its updatedAt): a colleague's save since is not overwritten.
        const updated = await Questions.findOneAndUpdate(
          {
            questionId,
            version: current.version,
            status: "draft",
            ...(current.updatedAt ? { updatedAt: current.updatedAt } : {}),
          },
          {
            $set: {
              ...contentOf(input),
              imageId: nextImage,
              authorId: actor.id,
              authorName: actor.displayName,
            },
            ...(nextImage ? {} : { $unset: { imageId: 1 } }),
            $push: { history: event(actor, "edited") },
          },
          { returnDocument: "after", session },
        ).lean<Lean>();
        if (!updated) throw changed();
        await audit(
          session,
          actor,
          "question_edited",
          { type: "question", id: questionId },
          { version: updated.version },
        );
        return toQuestionDto(updated);
      });
    }
    return audited(async (session) => {
      if (renamed) await claimRefs(ctx.conn, session, [{ ref: input.ref, questionId }]);
      await assertNoOtherCopy(ctx.conn, session, copyOf);
      // Still the version read above, in its status: a retirement committed since must not be
      // undone by a new draft version. A write rather than a read, so a retire still in flight
      // conflicts with this transaction (one is retried and sees the other) instead of both
      // committing on different documents (as import-writer.ts holds it).
      // Its quarantine too: the draft copies it, and approving never changes it, so a quarantine
      // committed since the read would be lifted by the draft's approval.
      const held = await Questions.updateOne(
        {
          questionId,
          version: current.version,
          status: current.status,
          quarantined: current.quarantined ? true : { $ne: true },
        },
        { $set: { updatedAt: new Date() } },
        { session },
      );
      if (held.matchedCount !== 1) throw changed();
      const [created] = await Questions.create(
        [
          {
            questionId,
            version: current.version + 1,
            status: "draft",
            ...contentOf(input),
            ...(nextImage ? { imageId: nextImage } : {}),
            authorId: actor.id,
            authorName: actor.displayName,
            quarantined: current.quarantined,
            history: [event(actor, "new_version", `基于第 ${current.version} 版修改`)],
          },
        ],
        { session },
      ).catch((err: unknown) => {
        // Another edit (a double submit) made this version number first.
        throw isDuplicateKey(err, "version") ? changed() : err;
      });
      await audit(
        session,
        actor,
        "question_new_version",
        { type: "question", id: questionId },
        { version: created!.version, from: current.version },
      );
      return toQuestionDto(created!.toObject() as Lean);
    });
  }

  return {
    /**
     * An examiner writes a new question: version 1, draft. Refused `question_exists` when it reads
     * as a live question of one of its categories (content-claims.ts), as an import would be.
     */
    async createQuestion(actor: Actor, raw: unknown): Promise<QuestionDto> {
      const input = parseInput(QuestionInput, withPlainIdentity(raw));
      await assertRefFree(input.ref, null);
      const questionId = new mongoose.Types.ObjectId().toHexString();
      return audited(async (session) => {
        await claimRefs(ctx.conn, session, [{ ref: input.ref, questionId }]);
        await assertNoOtherCopy(ctx.conn, session, {
          questionId,
          contentHash: questionContentHash(input),
          categories: input.categories,
        });
        const [created] = await Questions.create(
          [
            {
              questionId,
              version: 1,
              status: "draft",
              ...contentOf(input),
              authorId: actor.id,
              authorName: actor.displayName,
              history: [event(actor, "created")],
            },
          ],
          { session },
        );
        await audit(
          session,
          actor,
          "question_created",
          { type: "question", id: questionId },
          { ref: input.ref },
        );
        return toQuestionDto(created!.toObject() as Lean);
      });
    },

    /**
     * Edits a draft in place, or starts a new version of a published question. `expectedUpdatedAt`:
     * the `updatedAt` of the version the editor's form was read from (see edit).
     */
    async updateQuestion(
      actor: Actor,
      questionId: string,
      raw: unknown,
      expectedUpdatedAt?: Date,
    ): Promise<QuestionDto> {
      return edit(
        actor,
        questionId,
        parseInput(QuestionInput, withPlainIdentity(raw)),
        undefined,
        expectedUpdatedAt,
      );
    },

    /** Stores a checked image and attaches it to the question (as an edit, so published questions get a new version). */
    async attachImage(
      actor: Actor,
      questionId: string,
      data: Buffer,
      filename: string,
    ): Promise<QuestionDto> {
      const current = await latest(questionId);
      if (current.status === "in_review" || current.status === "retired") {
        throw errors.conflict("invalid_transition", "审核中或已停用的题目不能更换图片");
      }
      const imageId = await images.put(data, filename, actor.id);
      return setImage(actor, current, imageId);
    },

    /** Removes the image (as an edit). */
    async removeImage(actor: Actor, questionId: string): Promise<QuestionDto> {
      return setImage(actor, await latest(questionId), null);
    },
  };

  /**
   * Changes only the image of the version `current` (read before the image was stored, which takes
   * a while): a draft's `imageId` alone, so content a colleague saved meanwhile (a key fix) is
   * kept, never rewritten with the content read before; a published question gets a new draft
   * version with its content, refused `question_changed` if its latest version changed since.
   */
  async function setImage(actor: Actor, current: Lean, imageId: string | null): Promise<QuestionDto> {
    if (current.status !== "draft")
      return edit(
        actor,
        current.questionId,
        toQuestionInput(current),
        imageId,
        current.updatedAt ?? undefined,
      );
    return audited(async (session) => {
      const updated = await Questions.findOneAndUpdate(
        { questionId: current.questionId, version: current.version, status: "draft" },
        {
          ...(imageId ? { $set: { imageId } } : { $unset: { imageId: 1 } }),
          $push: { history: event(actor, "edited", imageId ? "更换图片" : "删除图片") },
        },
        { returnDocument: "after", session },
      ).lean<Lean>();
      if (!updated) throw changed();
      await audit(
        session,
        actor,
        "question_edited",
        { type: "question", id: current.questionId },
        { version: updated.version },
      );
      return toQuestionDto(updated);
    });
  }
}

/** Another writer changed the question since it was read. */
function changed() {
  return errors.conflict("question_changed", "题目已被他人修改，请刷新后重试");
}
