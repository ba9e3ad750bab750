import { Lock, Stamp, Tickets } from "@element-plus/icons-vue";
import type { RouteRecordRaw } from "vue-router";
import { PROVINCE_LEVELS } from "@contracts/access-levels.js";

/**
 * Public verification (/verify), the officers' issuance and certificate pages, and the province
 * admins' signing keys page (the key signs the whole province's certificates: rotating it is
 * `certificate-key:rotate`, province-level admins only, so only they are offered the page).
 */
export const routes: RouteRecordRaw[] = [
  {
    path: "/verify",
    name: "certificate-verify",
    component: () => import("./verify.page.vue"),
    meta: { feature: "certificates", title: "证书验证", layout: "bare", public: true },
  },
  {
    path: "/certificates/issuances",
    name: "certificate-issuances",
    component: () => import("./issuances.page.vue"),
    meta: {
      feature: "certificates",
      title: "发证办理",
      roles: ["officer"],
      menu: { group: "证书管理", icon: Stamp, order: 40 },
    },
  },
  {
    path: "/certificates",
    name: "certificates",
    component: () => import("./certificates.page.vue"),
    meta: {
      feature: "certificates",
      title: "从业资格证",
      roles: ["officer"],
      menu: { group: "证书管理", icon: Tickets, order: 41 },
    },
  },
  {
    path: "/certificates/keys",
    name: "certificate-keys",
    component: () => import("./keys.page.vue"),
    meta: {
      feature: "certificates",
      title: "签名密钥",
      roles: ["admin"],
      levels: PROVINCE_LEVELS,
      menu: { group: "系统管理", icon: Lock, order: 93 },
    },
  },
  {
    path: "/certificates/:no",
    name: "certificate",
    component: () => import("./certificate.page.vue"),
    meta: { feature: "certificates", title: "证书详情", roles: ["officer"], menu: { group: "证书管理" } },
  },
];
