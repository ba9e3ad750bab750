import { Key } from "@element-plus/icons-vue";
import type { RouteRecordRaw } from "vue-router";

/** A staff user's own account. */
export const routes: RouteRecordRaw[] = [
  {
    path: "/account/password",
    name: "auth-password",
    component: () => import("./password.page.vue"),
    meta: {
      title: "修改密码",
      roles: ["examiner", "reviewer", "proctor", "officer", "admin", "hub_operator"],
      menu: { group: "系统管理", icon: Key, order: 99 },
    },
  },
];
