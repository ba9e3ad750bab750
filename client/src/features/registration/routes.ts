import { EditPen, Upload, UserFilled } from "@element-plus/icons-vue";
import type { RouteRecordRaw } from "vue-router";

const GROUP = "考试管理";

/** Officers register candidates (报名) with live ID and eligibility checks. */
export const routes: RouteRecordRaw[] = [
  {
    path: "/registration/candidates",
    name: "registration-candidates",
    component: () => import("./candidates.page.vue"),
    meta: {
      feature: "registration",
      title: "考生名单",
      roles: ["officer"],
      menu: { group: GROUP, icon: UserFilled, order: 20 },
    },
  },
  {
    path: "/registration/new",
    name: "registration-new",
    component: () => import("./register.page.vue"),
    meta: {
      feature: "registration",
      title: "报名登记",
      roles: ["officer"],
      menu: { group: GROUP, icon: EditPen, order: 21 },
    },
  },
  {
    path: "/registration/import",
    name: "registration-import",
    component: () => import("./import.page.vue"),
    meta: {
      feature: "registration",
      title: "批量导入报名",
      roles: ["officer"],
      menu: { group: GROUP, icon: Upload, order: 22 },
    },
  },
];
