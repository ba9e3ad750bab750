import { Bell, DocumentChecked, Search, Upload } from "@element-plus/icons-vue";
import type { RouteRecordRaw } from "vue-router";
import { LEGACY_REGISTER_LEVELS, SHARING_QUEUE_LEVELS } from "@contracts/hub.js";

const GROUP = "全国共享";

/**
 * The province's side of the national hub: lookups at the hub (the panel is reused by filing),
 * the lookups others made of this province's practitioners, the delivery queue and its dead letters
 * and the legacy register (those three are the province's: province-level accounts only, as the
 * server requires).
 */
export const routes: RouteRecordRaw[] = [
  {
    path: "/sharing/lookup",
    name: "sharing-lookup",
    component: () => import("./lookup.page.vue"),
    meta: { title: "全国资格查询", roles: ["officer"], feature: "sharing", menu: { group: GROUP, icon: Search, order: 59 } },
  },
  {
    path: "/sharing/lookup-notices",
    name: "sharing-lookup-notices",
    component: () => import("./lookup-notices.page.vue"),
    meta: {
      title: "本省人员被查询记录",
      roles: ["officer", "admin"],
      levels: SHARING_QUEUE_LEVELS,
      feature: "sharing",
      menu: { group: GROUP, icon: Bell, order: 60 },
    },
  },
  {
    path: "/sharing/legacy-register",
    name: "sharing-legacy-register",
    component: () => import("./legacy-register.page.vue"),
    meta: {
      title: "存量数据清洗",
      roles: ["officer", "admin"],
      levels: LEGACY_REGISTER_LEVELS,
      feature: "sharing",
      menu: { group: GROUP, icon: DocumentChecked, order: 62 },
    },
  },
  {
    path: "/sharing/outbound",
    name: "sharing-outbound",
    component: () => import("./outbound.page.vue"),
    meta: {
      title: "上报队列",
      roles: ["officer", "admin"],
      levels: SHARING_QUEUE_LEVELS,
      feature: "sharing",
      menu: { group: GROUP, icon: Upload, order: 61 },
    },
  },
];
