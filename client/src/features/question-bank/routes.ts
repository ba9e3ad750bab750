import { Collection, DataAnalysis, Finished, Grid, Upload } from "@element-plus/icons-vue";
import type { RouteRecordRaw } from "vue-router";
import { PROVINCE_LEVELS } from "@contracts/access-levels.js";

const GROUP = "题库管理";

/**
 * The bank is the province's (question:* and bank:import are PROVINCE_LEVELS policies): a city or
 * county account is refused every call the pages that name these levels make, so it is not offered them.
 */
const BANK_LEVELS = PROVINCE_LEVELS;

/** Examiner and reviewer pages of the question bank. */
export const routes: RouteRecordRaw[] = [
  {
    path: "/question-bank/questions",
    name: "question-bank-questions",
    component: () => import("./questions.page.vue"),
    meta: {
      feature: "question-bank",
      title: "试题列表",
      levels: BANK_LEVELS,
      roles: ["examiner", "reviewer", "admin"],
      menu: { group: GROUP, icon: Collection, order: 40 },
    },
  },
  {
    path: "/question-bank/questions/:id",
    name: "question-bank-question",
    component: () => import("./question-edit.page.vue"),
    meta: {
      feature: "question-bank",
      title: "编辑试题",
      levels: BANK_LEVELS,
      roles: ["examiner", "reviewer", "admin"],
      menu: { group: GROUP },
    },
  },
  {
    path: "/question-bank/review",
    name: "question-bank-review",
    component: () => import("./review-queue.page.vue"),
    meta: {
      feature: "question-bank",
      title: "待审核试题",
      levels: BANK_LEVELS,
      roles: ["reviewer"],
      menu: { group: GROUP, icon: Finished, order: 41 },
    },
  },
  {
    path: "/question-bank/blueprints",
    name: "question-bank-blueprints",
    component: () => import("./blueprints.page.vue"),
    meta: {
      feature: "question-bank",
      title: "组卷方案",
      roles: ["examiner", "reviewer", "admin"],
      menu: { group: GROUP, icon: Grid, order: 42 },
    },
  },
  {
    path: "/question-bank/import",
    name: "question-bank-import",
    component: () => import("./import.page.vue"),
    meta: {
      feature: "question-bank",
      title: "导入试题",
      levels: BANK_LEVELS,
      roles: ["examiner", "admin"],
      menu: { group: GROUP, icon: Upload, order: 43 },
    },
  },
  {
    path: "/question-bank/statistics",
    name: "question-bank-statistics",
    component: () => import("./statistics.page.vue"),
    meta: {
      feature: "question-bank",
      title: "试题统计分析",
      roles: ["examiner", "reviewer", "admin"],
      menu: { group: GROUP, icon: DataAnalysis, order: 44 },
    },
  },
];
