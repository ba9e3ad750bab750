import type { Component } from "vue";
import type { RouteRecordNormalized } from "vue-router";
import { admitsPage, type PageVisitor } from "../shared/roles.js";
// The route meta's fields (menu, roles, levels), for any program that compiles this file (its unit test).
import type {} from "../shared/route-meta.js";

export interface MenuItem {
  path: string;
  title: string;
  icon?: Component;
  order: number;
}

export interface MenuGroup {
  /** Null for items shown at the top level. */
  label: string | null;
  icon?: Component;
  order: number;
  items: MenuItem[];
}

/** Who the menu is for: a page visitor, and whether they must change their password first. */
export type MenuVisitor = PageVisitor & { mustChangePassword?: boolean };

/**
 * The staff side menu: every route that asks for a menu entry, takes no parameters, renders in
 * the staff frame, admits the user (roles and division level), and needs only features this node runs
 * (`runs`); grouped by `meta.menu.group`.
 *
 * Nothing while the account must change its password: every entry led back to the password page
 * (the router and the server refuse everything else, password_change_required), so the menu
 * offered pages the account may not open. 退出 stays in the header.
 */
export function buildStaffMenu(
  routes: readonly RouteRecordNormalized[],
  visitor: MenuVisitor,
  runs: (feature: string | undefined) => boolean,
): MenuGroup[] {
  if (visitor.mustChangePassword) return [];
  const groups = new Map<string | null, MenuGroup>();
  for (const r of routes) {
    const menu = r.meta.menu;
    if (!menu || r.path.includes(":")) continue;
    if ((r.meta.layout ?? "staff") !== "staff") continue;
    if (!admitsPage(visitor, r.meta)) continue;
    if (!runs(r.meta.feature)) continue;
    const key = menu.group ?? null;
    const order = menu.order ?? 100;
    const item: MenuItem = { path: r.path, title: r.meta.title, icon: menu.icon, order };
    const group = groups.get(key);
    if (group) {
      group.items.push(item);
      group.order = Math.min(group.order, order);
      group.icon ??= menu.icon;
    } else {
      groups.set(key, { label: key, icon: menu.icon, order, items: [item] });
    }
  }
  const sorted = [...groups.values()].sort((a, b) => a.order - b.order);
  for (const g of sorted)
    g.items.sort((a, b) => a.order - b.order || a.title.localeCompare(b.title, "zh-CN"));
  return sorted;
}
