import type { Paper, PaperQuestion } from "../../server/contracts/paper.js";

/**
 * Papers for tests of how a paper is shared and sent: question texts with quotes, escapes,
 * `</script>`, a line separator and CJK, which JSON and UTF-8 encoders must carry byte for byte.
 */

/** A bank question as a paper freezes it, its options in the order given (the paper's shuffle). */
export function question(id: string, order: string[], extra: Partial<PaperQuestion> = {}): PaperQuestion {
  const texts: Record<string, string> = {
    A: "立即停车，开启危险报警闪光灯",
    B: '在车后 "50 米" 处设置警告标志',
    C: "继续行驶至服务区\n\t\\ </script>",
    D: "拨打 122 \u2028 报警",
  };
  return {
    questionId: id,
    version: 1,
    type: order.length ? "single" : "true_false",
    chapter: "安全",
    difficulty: 2,
    stem: `题 ${id}：高速公路上车辆发生故障时，驾驶人应当如何处置？`,
    options: order.map((key, i) => ({ key: "ABCD"[i] ?? key, text: texts[key] ?? key })),
    optionOrder: order,
    answer: order.length ? ["A"] : ["T"],
    explanation: "不得发给考生",
    points: 1,
    ...extra,
  };
}

export function paper(questions: PaperQuestion[]): Paper {
  return {
    categoryCode: "01001",
    blueprintId: "bp",
    blueprintVersion: 1,
    seed: "s",
    minutes: 60,
    passMark: 60,
    totalPoints: questions.length,
    multipleScoring: "all_or_nothing",
    questions,
  };
}
