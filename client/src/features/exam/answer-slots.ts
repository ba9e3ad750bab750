import { computed, reactive, type Ref } from "vue";
import type { SavedAnswerDto } from "@contracts/exams.js";
import type { JournalEntry } from "./answer-journal.js";

/** What the page shows for one question slot. */
export interface AnswerSlot {
  choice: string[];
  flagged: boolean;
  /** Seq of the newest local change of `choice` (0 = never changed here or on the server). */
  choiceSeq: number;
  /** Highest seq the server acknowledged as stored for this question's choice. */
  savedSeq: number;
  flagSeq: number;
  flagSavedSeq: number;
}

/** Per-question save state for the "已保存" indicator. */
export type SaveState = "none" | "saved" | "saving" | "queued";

/**
 * The answer sheet as the candidate sees it: one slot per question, merging the server's stored
 * answers with local changes by seq (the newer wins), and telling per question whether the
 * server holds its newest change.
 */
export function useAnswerSlots(connected: Ref<boolean>) {
  const slots = reactive(new Map<number, AnswerSlot>());

  const answeredCount = computed(() => [...slots.values()].filter((s) => s.choice.length > 0).length);
  const flaggedCount = computed(() => [...slots.values()].filter((s) => s.flagged).length);

  function slot(index: number): AnswerSlot {
    const existing = slots.get(index);
    if (existing) return existing;
    slots.set(index, { choice: [], flagged: false, choiceSeq: 0, savedSeq: 0, flagSeq: 0, flagSavedSeq: 0 });
    // The reactive map hands back a proxy, so later changes to the slot re-render the page.
    return slots.get(index) as AnswerSlot;
  }

  /** "已保存" only when the server holds this question's newest change (answer and flag). */
  function saveState(index: number): SaveState {
    const s = slots.get(index);
    if (!s || (s.choiceSeq === 0 && s.flagSeq === 0)) return "none";
    if (s.savedSeq >= s.choiceSeq && s.flagSavedSeq >= s.flagSeq) return "saved";
    return connected.value ? "saving" : "queued";
  }

  /** Takes the server's stored answers; a local change with a newer seq stays on screen. */
  function applyServerAnswers(answers: SavedAnswerDto[]): void {
    for (const a of answers) {
      const s = slot(a.index);
      s.savedSeq = Math.max(s.savedSeq, a.seq);
      if (a.seq >= s.choiceSeq) {
        s.choice = [...a.choice];
        s.choiceSeq = a.seq;
      }
      s.flagSavedSeq = Math.max(s.flagSavedSeq, a.flagSeq);
      if (a.flagSeq >= s.flagSeq) {
        s.flagged = a.flagged;
        s.flagSeq = a.flagSeq;
      }
    }
  }

  /**
   * Re-applies journalled changes newer than what a slot shows over the server's older state.
   * `takeSeq` also moves the slot's seq to the entry's (the first pass after a sync); the pass
   * after a replay only restores what is shown.
   */
  function overlayPending(pending: readonly JournalEntry[], takeSeq: boolean): void {
    for (const e of pending) {
      const s = slot(e.index);
      if (e.kind === "answer" && e.seq > s.choiceSeq) {
        s.choice = [...e.choice];
        if (takeSeq) s.choiceSeq = e.seq;
      } else if (e.kind === "flag" && e.seq > s.flagSeq) {
        s.flagged = e.flagged;
        if (takeSeq) s.flagSeq = e.seq;
      }
    }
  }

  /** Empties the sheet (the page moved on to another attempt). */
  function clear(): void {
    slots.clear();
  }

  return { slots, answeredCount, flaggedCount, slot, saveState, applyServerAnswers, overlayPending, clear };
}
