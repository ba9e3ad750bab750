import type { RouteRecordRaw } from "vue-router";
import { Monitor } from "@element-plus/icons-vue";

/** The live proctor console (监考控制台): pick a session, then run its room. */
export const routes: RouteRecordRaw[] = [
  {
    path: "/proctor",
    name: "proctor-home",
    component: () => import("./proctor-home.page.vue"),
    meta: {
      feature: "exams",
      title: "监考控制台",
      roles: ["proctor", "officer"],
      menu: { group: "考场监考", icon: Monitor, order: 30 },
    },
  },
  {
    path: "/proctor/sessions/:sessionId",
    name: "proctor-console",
    component: () => import("./console.page.vue"),
    meta: {
      feature: "exams",
      title: "考场监控",
      roles: ["proctor", "officer"],
      menu: { group: "考场监考" },
    },
  },
];
