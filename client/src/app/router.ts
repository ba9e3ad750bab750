import { createRouter, createWebHistory, type RouteRecordRaw, type Router } from "vue-router";
import { ElMessage } from "element-plus";
import { useNodeInfoStore } from "@/shared/node-info.store.js";
import { pageRefusal } from "@/shared/roles.js";
import { useSessionStore } from "@/shared/session.store.js";
import "@/shared/route-meta.js";
import { APP_TITLE } from "./app-title.js";
import { pageAfterLogin } from "@/features/auth/index.js";

/** Every feature contributes `client/src/features/<feature>/routes.ts` exporting `routes`. */
const featureModules = import.meta.glob<{ routes: RouteRecordRaw[] }>("../features/*/routes.ts", {
  eager: true,
});

/** The feature routes, in folder order (the menu sorts by `meta.menu.order`). */
export function featureRoutes(): RouteRecordRaw[] {
  return Object.keys(featureModules)
    .sort()
    .flatMap((key) => featureModules[key]?.routes ?? []);
}

const shellRoutes: RouteRecordRaw[] = [
  {
    path: "/login",
    name: "login",
    component: () => import("./login.page.vue"),
    meta: { title: "用户登录", layout: "bare", public: true },
  },
  {
    path: "/forbidden",
    name: "forbidden",
    component: () => import("./forbidden.page.vue"),
    meta: { title: "无权访问", layout: "bare", public: true },
  },
  {
    path: "/:pathMatch(.*)*",
    name: "not-found",
    component: () => import("./not-found.page.vue"),
    meta: { title: "页面不存在", layout: "bare", public: true },
  },
];

/** The app router: history mode, login redirect, role check, tab title. */
export function createAppRouter(): Router {
  const router = createRouter({
    history: createWebHistory(),
    routes: [...featureRoutes(), ...shellRoutes],
    scrollBehavior: () => ({ top: 0 }),
  });

  router.beforeEach(async (to) => {
    const session = useSessionStore();
    const node = useNodeInfoStore();
    await Promise.all([session.ensureLoaded(), node.load()]);
    // A page of a feature this node does not run (the hub has no exams) does not exist here.
    if (!node.runs(to.meta.feature))
      return { name: "not-found", params: { pathMatch: to.path.slice(1).split("/") } };
    if (to.meta.public) {
      // A logged-in user who opens the login page goes home instead.
      if (to.name === "login" && session.user) return { path: "/" };
      return true;
    }
    if (!session.user) return { name: "login", query: { redirect: to.fullPath } };
    // An account whose password an admin set may do nothing else until its owner changes it (the
    // server refuses password_change_required): also after a reload or a typed address.
    if (session.user.mustChangePassword && to.name !== "auth-password")
      return pageAfterLogin(session.user, to.fullPath);
    const refusal = pageRefusal(session.user, to.meta);
    if (refusal) {
      ElMessage({ type: "warning", message: refusal, grouping: true });
      // The 403 page reads the reason again from the refused route's meta, never from the URL.
      return { name: "forbidden", query: { from: to.fullPath } };
    }
    return true;
  });

  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} - ${APP_TITLE}` : APP_TITLE;
  });

  return router;
}
