import type { Connection } from "mongoose";
import type { CandidateAttemptDto } from "../contracts/exams.js";
import type { CandidateQuestion, Paper } from "../contracts/paper.js";
import { attemptPaperModel } from "./attempt.model.js";
import { showsQuestions, toCandidateAttempt, type AttemptLean } from "./presenters.js";
import { candidateQuestions, createSharedQuestions, type SharedPaper } from "./shared-questions.js";

const QUESTION_CACHE_MAX = 5000;

/**
 * Frozen papers (answer keys included, kept in their own collection) and the candidate's view of
 * them. Papers never change after check-in, so any instance may cache the candidate view (bounded).
 */
export function createPaperViews(conn: Connection, now: () => Date) {
  const Papers = attemptPaperModel(conn);
  // Papers of one bank share most questions: each is held once (shared-questions.ts).
  const shared = createSharedQuestions();
  const questionCache = new Map<string, SharedPaper>();

  /** Caches the candidate's questions of a paper: never a key, never an explanation. */
  function cacheQuestions(attemptId: string, paper: Paper): SharedPaper {
    // The questions' JSON texts are made now (at check-in, when the paper is assembled), not in
    // the release burst when every candidate's paper is sent at once (lib/socket-parser.ts).
    const qs = shared.share(paper);
    if (questionCache.size >= QUESTION_CACHE_MAX) {
      const oldest = questionCache.keys().next().value;
      if (oldest !== undefined) questionCache.delete(oldest);
    }
    questionCache.set(attemptId, qs);
    return qs;
  }

  /** The candidate's questions of many attempts: cached, the misses read in one query. */
  async function questionsOf(attemptIds: string[]): Promise<Map<string, CandidateQuestion[]>> {
    const out = new Map<string, CandidateQuestion[]>();
    const misses: string[] = [];
    for (const id of attemptIds) {
      const hit = questionCache.get(id);
      if (hit) out.set(id, candidateQuestions(hit));
      else misses.push(id);
    }
    if (misses.length) {
      const papers = await Papers.find({ _id: { $in: misses } }, { paper: 1 }).lean<
        { _id: string; paper: Paper }[]
      >();
      for (const p of papers) out.set(p._id, candidateQuestions(cacheQuestions(p._id, p.paper)));
    }
    return out;
  }

  /**
   * One question of an attempt's paper as cached (its type and options), or undefined when the
   * paper is not cached here: no read, for the save path (choice-check.ts).
   */
  function cachedQuestion(attemptId: string, index: number): SharedPaper[number]["view"] | undefined {
    return questionCache.get(attemptId)?.[index]?.view;
  }

  /** The candidate's whole view of an attempt; questions only once released. */
  async function candidateView(doc: AttemptLean, official = false): Promise<CandidateAttemptDto> {
    const qs = showsQuestions(doc.status) ? ((await questionsOf([doc._id])).get(doc._id) ?? null) : null;
    return toCandidateAttempt(doc, now(), qs, official);
  }

  /** Whether the candidate's paper in the session has a question showing the image. */
  async function paperShowsImage(candidateId: string, sessionId: string, imageId: string): Promise<boolean> {
    return (await Papers.exists({ candidateId, sessionId, "paper.questions.imageId": imageId })) !== null;
  }

  return { Papers, cacheQuestions, cachedQuestion, questionsOf, candidateView, paperShowsImage };
}
export type PaperViews = ReturnType<typeof createPaperViews>;
