import type { QuestionEvent } from "../contracts/question-bank.js";

/**
 * History actions that write a version's content. Everyone who did one of them on a version is
 * one of its writers and may not review it (four-eyes rule); the review actions themselves
 * (submitted, approved, returned) and flags (quarantined, released, retired) write no content.
 */
export const CONTENT_ACTIONS: readonly QuestionEvent["action"][] = ["created", "edited", "new_version", "imported"];

/** Everyone who wrote content of this version: its author and every editor in its history. */
export function contributorsOf(version: {
  authorId: string;
  history?: readonly { actorId: string; action: string }[] | null;
}): Set<string> {
  const ids = new Set([version.authorId]);
  for (const e of version.history ?? []) {
    if ((CONTENT_ACTIONS as readonly string[]).includes(e.action)) ids.add(e.actorId);
  }
  return ids;
}
