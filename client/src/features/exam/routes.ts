import type { RouteRecordRaw } from "vue-router";

/**
 * The candidate's exam room (考生端): identity confirmation, waiting for release, the exam itself
 * and the provisional result. One page follows the attempt's status so a reload or a reconnect
 * always lands on the right screen.
 */
export const routes: RouteRecordRaw[] = [
  {
    path: "/exam",
    name: "exam-room",
    component: () => import("./exam.page.vue"),
    meta: {
      feature: "exams",
      title: "进入考试",
      roles: ["candidate"],
      layout: "candidate",
      menu: { order: 10 },
    },
  },
  {
    path: "/exam/result",
    name: "exam-result",
    component: () => import("./result.page.vue"),
    meta: {
      feature: "exams",
      title: "考试成绩",
      roles: ["candidate"],
      layout: "candidate",
    },
  },
];
