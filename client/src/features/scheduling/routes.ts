import { Calendar } from "@element-plus/icons-vue";
import type { RouteRecordRaw } from "vue-router";

/** Officers schedule exam sessions and seat candidates. */
export const routes: RouteRecordRaw[] = [
  {
    path: "/scheduling/sessions",
    name: "scheduling-sessions",
    component: () => import("./sessions.page.vue"),
    meta: {
      feature: "scheduling",
      title: "考试场次",
      roles: ["officer"],
      menu: { group: "考试管理", icon: Calendar, order: 22 },
    },
  },
  {
    path: "/scheduling/sessions/:id",
    name: "scheduling-session",
    component: () => import("./session.page.vue"),
    meta: {
      feature: "scheduling",
      title: "场次排座",
      roles: ["officer"],
      menu: { group: "考试管理" },
    },
  },
  {
    path: "/scheduling/sessions/:id/results",
    name: "scheduling-session-results",
    component: () => import("./results.page.vue"),
    meta: { feature: "exams", title: "场次成绩", roles: ["officer"], menu: { group: "考试管理" } },
  },
];
