/// <reference types="vite/client" />

/**
 * What a component import is to the linter. vue-tsc (`npm run typecheck`) resolves every `.vue`
 * import to the component's real types and never reaches this fallback; typescript-eslint runs
 * the plain TypeScript program, which cannot read a single-file component, and without it would
 * see each imported component as an unresolved (error) type.
 */
declare module "*.vue" {
  import type { DefineComponent } from "vue";
  const component: DefineComponent;
  export default component;
}
