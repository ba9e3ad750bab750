import type { ParsedItem } from "./parsed-item.js";

/**
 * The answers one import request's files give each ref. Files import one after another, each on its
 * own, so a later file's item with an earlier file's ref updates that question: with another answer
 * it replaced the earlier file's key without a word (and its dry run said both were created).
 * Which of the two keys is right the importer cannot know, so the later item is refused, in the
 * first pass (the dry run's too), naming the earlier file; a question without a key beside it
 * keeps the bank from grading a candidate against the wrong one.
 */
export function createRunAnswers() {
  // Files are told apart by the request's own object, not by name: two uploads may share a name.
  const seen = new Map<string, { file: { name: string }; location: string; answer: string }>();
  return {
    /**
     * Why `item` of `file` is refused (an earlier file of the request gave its ref another
     * answer), or null; a fine item's answer is remembered for the later files.
     */
    clash(file: { name: string }, item: ParsedItem): string | null {
      const q = item.question;
      if (item.outcome !== "ok" || !q) return null;
      const answer = [...q.answer].sort().join("");
      const earlier = seen.get(q.ref);
      if (!earlier || earlier.file === file) {
        if (!earlier) seen.set(q.ref, { file, location: item.location, answer });
        return null;
      }
      if (earlier.answer === answer) return null;
      return (
        `编号「${q.ref}」在本次导入的文件 ${earlier.file.name}（${earlier.location}）中答案为 ${earlier.answer}，` +
        `此处为 ${answer}；同一编号不能有两个答案，本题未导入（请统一答案后重新导入）`
      );
    },
  };
}
export type RunAnswers = ReturnType<typeof createRunAnswers>;
