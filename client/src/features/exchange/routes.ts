import { AlarmClock, Box, EditPen, Message, User } from "@element-plus/icons-vue";
import type { RouteRecordRaw } from "vue-router";
import { ESCALATION_LEVELS } from "@contracts/exchange.js";

const GROUP = "跨省业务";

/**
 * Cross-province exchange (issue 13): file, transfer and report (out), answer what other
 * provinces sent (in), the province level's overdue list, and the home province's practitioner page.
 */
export const routes: RouteRecordRaw[] = [
  {
    path: "/exchange/new",
    name: "exchange-new",
    component: () => import("./send.page.vue"),
    meta: { title: "办理跨省业务", roles: ["officer"], feature: "exchange", menu: { group: GROUP, icon: EditPen, order: 62 } },
  },
  {
    path: "/exchange/inbox",
    name: "exchange-inbox",
    component: () => import("./cases.page.vue"),
    props: { box: "in" },
    meta: { title: "收到的跨省事项", roles: ["officer"], feature: "exchange", menu: { group: GROUP, icon: Message, order: 63 } },
  },
  {
    path: "/exchange/outbox",
    name: "exchange-outbox",
    component: () => import("./cases.page.vue"),
    props: { box: "out" },
    meta: { title: "发出的跨省事项", roles: ["officer"], feature: "exchange", menu: { group: GROUP, icon: Box, order: 64 } },
  },
  {
    path: "/exchange/escalations",
    name: "exchange-escalations",
    component: () => import("./escalations.page.vue"),
    meta: {
      title: "逾期督办",
      roles: ["officer"],
      // The levels the server answers this list to (province_level_only below them).
      levels: ESCALATION_LEVELS,
      feature: "exchange",
      menu: { group: GROUP, icon: AlarmClock, order: 65 },
    },
  },
  {
    path: "/exchange/cases/:caseId",
    name: "exchange-case",
    component: () => import("./case.page.vue"),
    props: true,
    // A group without an entry: the menu lists no page with parameters, the breadcrumb names its group.
    meta: { title: "跨省事项", roles: ["officer"], feature: "exchange", menu: { group: GROUP } },
  },
  {
    path: "/practitioners",
    name: "practitioner-search",
    component: () => import("./practitioner.page.vue"),
    meta: { title: "从业人员档案", roles: ["officer"], feature: "exchange", menu: { group: GROUP, icon: User, order: 66 } },
  },
  {
    path: "/practitioners/:idNumber",
    name: "practitioner",
    component: () => import("./practitioner.page.vue"),
    props: true,
    meta: { title: "从业人员档案", roles: ["officer"], feature: "exchange", menu: { group: GROUP } },
  },
];
