import { Connection, DataLine, Document, Monitor, Switch, Warning } from "@element-plus/icons-vue";
import type { RouteRecordRaw } from "vue-router";

const GROUP = "全国中心";

/** The hub operator's pages: registered province nodes and keys, the message log, rejected records, contested homes. */
export const routes: RouteRecordRaw[] = [
  {
    path: "/hub/nodes",
    name: "hub-nodes",
    component: () => import("./nodes.page.vue"),
    meta: { title: "省级节点与密钥", roles: ["hub_operator", "admin"], feature: "hub", menu: { group: GROUP, icon: Connection, order: 20 } },
  },
  {
    path: "/hub/messages",
    name: "hub-messages",
    component: () => import("./messages.page.vue"),
    meta: { title: "消息日志", roles: ["hub_operator", "admin"], feature: "hub", menu: { group: GROUP, icon: Document, order: 21 } },
  },
  {
    path: "/hub/rejections",
    name: "hub-rejections",
    component: () => import("./rejections.page.vue"),
    meta: { title: "被拒记录", roles: ["hub_operator", "admin"], feature: "hub", menu: { group: GROUP, icon: Warning, order: 22 } },
  },
  {
    path: "/hub/home-contests",
    name: "hub-home-contests",
    component: () => import("./home-contests.page.vue"),
    meta: { title: "主管省份争议", roles: ["hub_operator", "admin"], feature: "hub", menu: { group: GROUP, icon: Switch, order: 23 } },
  },
  {
    path: "/hub/report",
    name: "hub-report",
    component: () => import("./report.page.vue"),
    meta: { title: "月度通报", roles: ["hub_operator", "admin"], feature: "hub", menu: { group: GROUP, icon: DataLine, order: 18 } },
  },
  {
    path: "/hub/dashboard",
    name: "hub-dashboard",
    component: () => import("./dashboard.page.vue"),
    meta: { title: "联网监测", roles: ["hub_operator", "admin"], feature: "hub", menu: { group: GROUP, icon: Monitor, order: 17 } },
  },
];
