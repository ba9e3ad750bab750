/** A blueprint's retake policy (question-bank contract `retake`). */
export interface RetakePolicy {
  freeRetakes: number;
  waitDays: number;
}

/** One earlier finished attempt of the same category. */
export interface PastAttempt {
  submittedAt: Date;
  passed: boolean;
}

export type RetakeDecision = { allowed: true } | { allowed: false; code: "retake_wait"; until: Date };

const DAY = 86_400_000;

/**
 * Retake rule (e.g. "one retake, then a 30-day wait"): failures form a run; a run that already has
 * `1 + freeRetakes` failures needs `waitDays` since its last failure. After such a wait the run
 * starts afresh. A pass ends the run.
 */
export function checkRetake(policy: RetakePolicy, past: readonly PastAttempt[], now: Date): RetakeDecision {
  const sorted = [...past].sort((a, b) => a.submittedAt.getTime() - b.submittedAt.getTime());
  let run = 0;
  let last: Date | null = null;
  for (const a of sorted) {
    if (last && a.submittedAt.getTime() - last.getTime() >= policy.waitDays * DAY && run > policy.freeRetakes)
      run = 0;
    run = a.passed ? 0 : run + 1;
    last = a.submittedAt;
  }
  if (!last || run <= policy.freeRetakes) return { allowed: true };
  const until = new Date(last.getTime() + policy.waitDays * DAY);
  return now.getTime() >= until.getTime()
    ? { allowed: true }
    : { allowed: false, code: "retake_wait", until };
}
