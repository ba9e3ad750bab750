import { Document, OfficeBuilding, User } from "@element-plus/icons-vue";
import type { RouteRecordRaw } from "vue-router";

const GROUP = "系统管理";

/** Node administration: staff accounts, organisation (authorities, test centres), audit log. */
export const routes: RouteRecordRaw[] = [
  {
    path: "/admin/users",
    name: "admin-users",
    component: () => import("./users.page.vue"),
    meta: { title: "用户与角色", roles: ["admin"], menu: { group: GROUP, icon: User, order: 90 } },
  },
  {
    path: "/admin/organisation",
    name: "admin-organisation",
    component: () => import("./organisation.page.vue"),
    meta: { title: "组织机构", roles: ["admin"], menu: { group: GROUP, icon: OfficeBuilding, order: 91 } },
  },
  {
    path: "/admin/audit",
    name: "admin-audit",
    component: () => import("./audit.page.vue"),
    meta: { title: "审计日志", roles: ["admin"], menu: { group: GROUP, icon: Document, order: 92 } },
  },
];
