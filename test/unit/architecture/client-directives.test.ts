import { expect } from "chai";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/**
 * Element Plus is imported per component, never installed on the app (main.ts), so its directives
 * are registered nowhere globally: a template that writes `v-loading` without importing `vLoading`
 * into its <script setup> gets a directive Vue cannot resolve, and the spinner silently never shows.
 * No type checker or build step catches it (Vue only warns in development).
 */
const CLIENT = path.resolve(import.meta.dirname, "../../../client/src");
/** Element Plus directives, as a template writes them and as the component must import them. */
const DIRECTIVES: Record<string, string> = {
  "v-loading": "vLoading",
  "v-infinite-scroll": "vInfiniteScroll",
  "v-popover": "vPopover",
};

function vueFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return vueFilesUnder(full);
    return full.endsWith(".vue") ? [full] : [];
  });
}

/** The names a file imports from "element-plus". */
function elementPlusImports(source: string): Set<string> {
  const names = new Set<string>();
  for (const match of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*["']element-plus["']/g))
    for (const part of (match[1] ?? "").split(",")) {
      const name = part
        .replace(/^\s*type\s+/, "")
        .split(/\s+as\s+/)
        .at(-1)
        ?.trim();
      if (name) names.add(name);
    }
  return names;
}

describe("Element Plus directives in client pages (architecture)", () => {
  it("when a .vue file uses an Element Plus directive, then it imports that directive from element-plus", () => {
    const missing: string[] = [];
    for (const file of vueFilesUnder(CLIENT)) {
      const source = readFileSync(file, "utf8");
      const template = source.slice(source.indexOf("<template"));
      const imported = elementPlusImports(source);
      for (const [directive, binding] of Object.entries(DIRECTIVES))
        if (new RegExp(`\\s${directive}(?=[\\s=>.:])`).test(template) && !imported.has(binding))
          missing.push(`${path.relative(CLIENT, file)}: ${directive} without importing ${binding}`);
    }
    expect(missing).to.deep.equal([]);
  });
});
