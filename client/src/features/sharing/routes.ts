import { Upload } from "@element-plus/icons-vue";
import type { RouteRecordRaw } from "vue-router";

const GROUP = "全国共享";

/** The province's side of the national hub: the delivery queue and its dead letters. */
export const routes: RouteRecordRaw[] = [
  {
    path: "/sharing/outbound",
    name: "sharing-outbound",
    component: () => import("./outbound.page.vue"),
    meta: { title: "上报队列", roles: ["officer", "admin"], feature: "sharing", menu: { group: GROUP, icon: Upload, order: 61 } },
  },
];
