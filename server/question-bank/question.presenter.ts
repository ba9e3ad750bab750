import {
  MAX_QUESTION_HISTORY,
  type BankQuestionSnapshot,
  type Blueprint,
  type BlueprintDto,
  type QuestionDto,
  type QuestionEvent,
  type QuestionInput,
} from "../contracts/question-bank.js";
import type { BlueprintDoc } from "./blueprint.model.js";
import { contributorsOf } from "./four-eyes.js";
import type { QuestionVersionDoc } from "./question.model.js";

type Lean<T> = T & { _id?: unknown; createdAt?: Date; updatedAt?: Date };

const iso = (d: Date | string | undefined | null) =>
  d ? new Date(d).toISOString() : new Date(0).toISOString();

/** What examiners and reviewers see of one question version (everything: they own the content). */
export function toQuestionDto(doc: Lean<QuestionVersionDoc>): QuestionDto {
  return {
    id: doc.questionId,
    version: doc.version,
    status: doc.status as QuestionDto["status"],
    ref: doc.ref,
    type: doc.type as QuestionDto["type"],
    stem: doc.stem,
    options: doc.options.map((o) => ({ key: o.key as "A", text: o.text })),
    answer: [...doc.answer],
    explanation: doc.explanation,
    chapter: doc.chapter,
    categories: [...doc.categories] as QuestionDto["categories"],
    difficulty: doc.difficulty,
    tags: [...doc.tags],
    source: doc.source,
    ...(doc.imageId ? { imageId: doc.imageId } : {}),
    authorId: doc.authorId,
    authorName: doc.authorName,
    ...(doc.reviewerId ? { reviewerId: doc.reviewerId } : {}),
    contributorIds: [...contributorsOf(doc)].slice(0, MAX_QUESTION_HISTORY),
    quarantined: doc.quarantined,
    // The newest steps: a long-lived draft's history is not bounded by any input.
    history: doc.history.slice(-MAX_QUESTION_HISTORY).map((h): QuestionEvent => ({
      at: iso(h.at),
      actorId: h.actorId,
      actorName: h.actorName,
      action: h.action as QuestionEvent["action"],
      ...(h.comment ? { comment: h.comment } : {}),
    })),
    createdAt: iso(doc.createdAt),
    updatedAt: iso(doc.updatedAt),
  };
}

/** The frozen content assembly copies into a paper. */
export function toSnapshot(doc: Lean<QuestionVersionDoc>): BankQuestionSnapshot {
  return {
    id: doc.questionId,
    version: doc.version,
    type: doc.type as BankQuestionSnapshot["type"],
    stem: doc.stem,
    options: doc.options.map((o) => ({ key: o.key as "A", text: o.text })),
    answer: [...doc.answer],
    explanation: doc.explanation,
    chapter: doc.chapter,
    categories: [...doc.categories] as BankQuestionSnapshot["categories"],
    difficulty: doc.difficulty,
    ...(doc.imageId ? { imageId: doc.imageId } : {}),
  };
}

/** A question version back in the exchange format (export). */
export function toQuestionInput(doc: Lean<QuestionVersionDoc>): QuestionInput {
  return {
    ref: doc.ref,
    type: doc.type as QuestionInput["type"],
    stem: doc.stem,
    options: doc.options.map((o) => ({ key: o.key as "A", text: o.text })),
    answer: [...doc.answer] as QuestionInput["answer"],
    explanation: doc.explanation,
    chapter: doc.chapter,
    categories: [...doc.categories] as QuestionInput["categories"],
    difficulty: doc.difficulty,
    tags: [...doc.tags],
    source: doc.source,
  };
}

/** A blueprint version as assembly uses it. */
export function toBlueprint(doc: Lean<BlueprintDoc>): Blueprint {
  return {
    id: doc.blueprintId,
    version: doc.version,
    categoryCode: doc.categoryCode as Blueprint["categoryCode"],
    title: doc.title,
    minutes: doc.minutes,
    passMark: doc.passMark,
    points: { true_false: doc.points.true_false, single: doc.points.single, multiple: doc.points.multiple },
    cells: doc.cells.map((c) => ({
      type: c.type as Blueprint["cells"][number]["type"],
      chapter: c.chapter,
      count: c.count,
    })),
    ...(doc.difficultyMix ? { difficultyMix: doc.difficultyMix as Record<string, number> } : {}),
    multipleScoring: doc.multipleScoring as Blueprint["multipleScoring"],
    retake: { freeRetakes: doc.retake.freeRetakes, waitDays: doc.retake.waitDays },
    accommodations: (doc.accommodations ?? {}) as Record<string, number>,
  };
}

/** What examiners see of a blueprint version. */
export function toBlueprintDto(doc: Lean<BlueprintDoc>): BlueprintDto {
  return {
    ...toBlueprint(doc),
    status: doc.status as BlueprintDto["status"],
    createdBy: doc.createdBy,
    createdAt: iso(doc.createdAt),
  };
}
