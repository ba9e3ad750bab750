import type { Express } from "express";

interface LayerLike {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
}

/** Every `METHOD /path` under /api, read from the live Express router (so no route can hide). */
export function enumerateApiRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: LayerLike[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const routePath = String(layer.route.path);
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== "_all") out.push(`${method.toUpperCase()} ${prefix}${routePath}`);
        }
      } else if (layer.handle?.stack) {
        const raw = typeof layer.rawPath === "string" && layer.rawPath !== "/" ? layer.rawPath : "";
        walk(layer.handle.stack, prefix + raw);
      }
    }
  };
  const router = (app as unknown as { router: { stack: LayerLike[] } }).router;
  const api = router.stack.find((l) => l.rawPath === "/api" && l.handle?.stack);
  if (api?.handle?.stack) walk(api.handle.stack, "");
  return [...new Set(out)].sort();
}

interface RouterLike {
  caseSensitive?: boolean;
  strict?: boolean;
  stack?: RouterLike[];
  handle?: RouterLike;
  rawPath?: unknown;
}

/**
 * Mount paths of routers (the app's own included) that match case-insensitively or ignore a
 * trailing slash, i.e. that were not built with `strictRouter()`.
 */
export function looseRouters(app: Express): string[] {
  const loose: string[] = [];
  const walk = (router: RouterLike, at: string) => {
    if (router.caseSensitive !== true || router.strict !== true) loose.push(at || "/");
    for (const layer of router.stack ?? []) {
      if (layer.handle?.stack) walk(layer.handle, at + (typeof layer.rawPath === "string" ? layer.rawPath : ""));
    }
  };
  walk((app as unknown as { router: RouterLike }).router, "");
  return loose;
}
