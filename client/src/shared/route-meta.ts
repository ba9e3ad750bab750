import type { Component } from "vue";
import type { Role } from "@contracts/auth.js";
import type { DivisionLevel } from "@contracts/organisation.js";

/** Which frame a page renders in. */
export type LayoutName = "staff" | "candidate" | "bare";

declare module "vue-router" {
  interface RouteMeta {
    /** Page title (zh-CN); also the browser tab title and the side-menu label. */
    title: string;
    /** Roles allowed to open the page; absent = any logged-in user. */
    roles?: Role[];
    /**
     * Division levels (部/省/市/县) whose staff may open the page; absent = every level. For a page
     * the server refuses below a level, so it is not offered there.
     */
    levels?: readonly DivisionLevel[];
    /** Frame to render in; default `staff` (candidates get `candidate` on their own pages). */
    layout?: LayoutName;
    /**
     * The server feature the page needs (a name from `/api/system` features, e.g. "scheduling");
     * on a node that does not run it the page is neither in the menu nor reachable.
     */
    feature?: string;
    /** Open without logging in (login, public certificate verification). */
    public?: boolean;
    /** Side-menu placement for staff pages; absent = not in the menu (detail pages). */
    menu?: {
      /** Menu group label, e.g. "考试管理"; pages of one group nest under it. */
      group?: string;
      /** An icon component from @element-plus/icons-vue. */
      icon?: Component;
      /** Smaller first; default 100. */
      order?: number;
    };
  }
}

export {};
