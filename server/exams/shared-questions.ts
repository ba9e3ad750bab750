import type { CandidateQuestion, Paper } from "../contracts/paper.js";
import { preEncodeWith } from "../lib/socket-parser.js";
import { toCandidateQuestion } from "./presenters.js";

/**
 * The candidate's questions of cached papers, shared between papers (issue 17: the exam node's
 * live heap at 5,000 candidates).
 *
 * Every candidate's paper is drawn from the same bank, so most of its questions are also in other
 * papers; only the position (`index`) and the shuffled option order differ. Each paper used to
 * keep its own question objects and their JSON text (about 55 KB per candidate, which every
 * mark-compact walked). Now a question's view without `index`, and its JSON text, are kept once,
 * and a cached paper is one array of references to them; a paper's question objects and text are
 * made when it is sent.
 *
 * Questions are shared by their content (the JSON text of the view), never by question id: the
 * same bank question appears with its options in different orders, and a shared entry with the
 * wrong order would send a candidate a paper that is not theirs.
 */

/** A question's candidate view without `index`, and its JSON text without the opening brace. */
export interface SharedQuestion {
  readonly view: Readonly<Omit<CandidateQuestion, "index">>;
  readonly tail: string;
  /** `tail` as UTF-8: a paper's websocket frame is copied from these, not converted per send. */
  readonly tailUtf8: Buffer;
}

/** A cached paper's candidate questions: one reference per question, in paper order. */
export type SharedPaper = readonly SharedQuestion[];

/**
 * A table of shared questions. An entry lives as long as a cached paper holds it (weakly held
 * here), so the table never outgrows what the papers use, however many banks a node serves.
 */
export function createSharedQuestions() {
  const byTail = new Map<string, WeakRef<SharedQuestion>>();
  const collected = new FinalizationRegistry<string>((tail) => {
    // A newer entry with the same text may already have taken the key.
    if (byTail.get(tail)?.deref() === undefined) byTail.delete(tail);
  });

  function intern(q: Paper["questions"][number]): SharedQuestion {
    const { index: _index, ...view } = toCandidateQuestion(q, 0);
    const tail = JSON.stringify(view).slice(1);
    const known = byTail.get(tail)?.deref();
    if (known) return known;
    for (const option of view.options) Object.freeze(option);
    Object.freeze(view.options);
    const shared: SharedQuestion = Object.freeze({
      view: Object.freeze(view),
      tail,
      tailUtf8: ownUtf8(tail),
    });
    byTail.set(tail, new WeakRef(shared));
    collected.register(shared, tail);
    return shared;
  }

  return {
    /** The candidate's questions of `paper`, as shared entries. */
    share: (paper: Paper): SharedPaper => Object.freeze(paper.questions.map(intern)),
    /** Distinct questions held (for tests and measurements). */
    size: () => byTail.size,
  };
}

/**
 * `text` as UTF-8 in a buffer of its own: `Buffer.from` puts short texts in a shared 8 KB slab,
 * which one long-lived question would keep alive whole.
 */
function ownUtf8(text: string): Buffer {
  const out = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  out.write(text);
  return out;
}

/**
 * `{"index":i,` (first) and `,{"index":i,` (after another) as text and as bytes (ASCII), made once
 * per position for every paper: building them per question and per send was most of `textOf`.
 */
interface Head {
  text: string;
  utf8: Buffer;
}
const heads: Head[][] = [];
function headOf(i: number): Head {
  heads[i] ??= [`{"index":${i},`, `,{"index":${i},`].map((text) => ({ text, utf8: Buffer.from(text) }));
  return (heads[i] as Head[])[i === 0 ? 0 : 1] as Head;
}

/** `{"index":i,` + a question's tail is that question's JSON text at position i. */
function textOf(paper: SharedPaper): string {
  let out = "[";
  for (let i = 0; i < paper.length; i += 1) out += headOf(i).text + (paper[i] as SharedQuestion).tail;
  return `${out}]`;
}

const OPEN = Buffer.from("[");
const CLOSE = Buffer.from("]");

/**
 * The UTF-8 bytes of `textOf(paper)` as chunks: the shared questions' own bytes between the heads,
 * so the frame is one copy of them, not a conversion of the text.
 */
function utf8Of(paper: SharedPaper): Buffer[] {
  const out: Buffer[] = [OPEN];
  for (let i = 0; i < paper.length; i += 1) out.push(headOf(i).utf8, (paper[i] as SharedQuestion).tailUtf8);
  out.push(CLOSE);
  return out;
}

/**
 * The candidate's questions of a shared paper, as `toCandidateQuestion` makes them: fresh objects
 * (an index each, the rest shared), frozen, whose JSON text the socket encoder builds from the
 * shared texts instead of encoding them again. They are plain data, so a copy that reaches another
 * instance through the Redis adapter is the same paper.
 */
export function candidateQuestions(paper: SharedPaper): CandidateQuestion[] {
  // Built as one literal each, frozen here, rather than `{ index, ...view }` deep-frozen by
  // `preEncodeWith`: in the release burst the spread and the deep walk were a tenth of the node's
  // CPU (issue 17), for objects the encoder never reads. The views' own parts were frozen when
  // shared, so freezing each question and the list leaves nothing writable. Key order is
  // `toCandidateQuestion`'s (a copy through the Redis adapter is encoded from these objects).
  const qs = paper.map(({ view }, index): CandidateQuestion => {
    const q: CandidateQuestion = {
      index,
      type: view.type,
      stem: view.stem,
      options: view.options,
      points: view.points,
    };
    if (view.imageId !== undefined) q.imageId = view.imageId;
    return Object.freeze(q);
  });
  Object.freeze(qs);
  return preEncodeWith(
    qs,
    () => textOf(paper),
    () => utf8Of(paper),
  );
}
