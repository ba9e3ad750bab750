import type { Connection } from "mongoose";
import { testConfig } from "../../helpers/test-config.js";
import type { FeatureContext } from "../../../server/feature.js";
import { createEventBus } from "../../../server/lib/event-bus.js";
import { createLogger } from "../../../server/lib/logger.js";
import type { Actor } from "../../../server/question-bank/index.js";

/** A feature context on a test database, silent logs. */
export function bankContext(conn: Connection): FeatureContext {
  const logger = createLogger({ level: "silent" });
  return {
    config: testConfig({ NODE_ENV: "test", PROVINCE_CODE: "320000", LOG_LEVEL: "silent" }),
    logger,
    conn,
    events: createEventBus(logger),
  };
}

export const author: Actor = { id: "u-author", displayName: "出题人甲", kind: "staff" };
export const reviewer: Actor = { id: "u-reviewer", displayName: "审核人乙", kind: "staff" };

let n = 0;
/** A valid question input with a unique ref. */
export function questionInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  n++;
  return {
    ref: `IT-${Date.now().toString(36)}-${n}`,
    type: "single",
    stem: `连续驾驶 4 小时后至少应休息多久？（${n}）`,
    options: [
      { key: "A", text: "5 分钟" },
      { key: "B", text: "20 分钟" },
      { key: "C", text: "2 分钟" },
      { key: "D", text: "不需要休息" },
    ],
    answer: ["B"],
    chapter: "安全行车",
    categories: ["01001"],
    ...overrides,
  };
}

/** A blueprint input for 01001 with one cell. */
export function blueprintInput(
  count: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    categoryCode: "01001",
    title: "测试方案",
    minutes: 60,
    passMark: 1,
    points: { true_false: 1, single: 1, multiple: 2 },
    cells: [{ type: "single", chapter: "安全行车", count }],
    ...overrides,
  };
}
