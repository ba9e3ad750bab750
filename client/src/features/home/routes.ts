import { HomeFilled } from "@element-plus/icons-vue";
import type { RouteRecordRaw } from "vue-router";

/** The landing page: a dashboard for staff, the exam-day welcome for candidates. */
export const routes: RouteRecordRaw[] = [
  {
    path: "/",
    name: "home",
    component: () => import("./home.page.vue"),
    meta: { title: "首页", menu: { icon: HomeFilled, order: 0 } },
  },
];
