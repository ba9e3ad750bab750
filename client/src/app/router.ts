import { createRouter, createWebHistory, type RouteRecordRaw, type Router } from "vue-router";
import { ElMessage } from "element-plus";
import { useNodeInfoStore } from "@/shared/node-info.store.js";
import { pageRefusal } from "@/shared/roles.js";
import { useSessionStore } from "@/shared/session.store.js";
import "@/shared/route-meta.js";
import { APP_TITLE } from "./app-title.js";
import { pageAfterLogin, safeRedirect } from "@/features/auth/index.js";
import { createStaleChunkRecovery, isStaleChunkError } from "./stale-chunks.js";

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

  // A page's code gone after a redeploy (see stale-chunks.ts): reload once to the page asked for.
  const staleChunks = createStaleChunkRecovery({
    storage: window.sessionStorage,
    // Through the login redirect's guard: `/\evil.example/` is another origin to a browser.
    reload: (url) => window.location.assign(safeRedirect(url)),
    notify: (message) =>
      ElMessage({ type: "warning", message, duration: 0, showClose: true, grouping: true }),
    now: () => Date.now(),
  });
  router.afterEach((to, _from, failure) => {
    document.title = to.meta.title ? `${to.meta.title} - ${APP_TITLE}` : APP_TITLE;
    if (!failure) staleChunks.loaded();
  });

  router.onError((err, to) => {
    if (isStaleChunkError(err)) staleChunks.recover(to.fullPath);
  });
  // A preload that failed outside a navigation (a component's own lazy import): the page in view
  // is reloaded. Not prevented, so inside a navigation the import still fails and onError, run
  // first, reloads to the page asked for (the later call then finds a reload under way).
  window.addEventListener("vite:preloadError", () => {
    setTimeout(() => staleChunks.recover(router.currentRoute.value.fullPath), 0);
  });

  return router;
}
