// Flat config: typescript-eslint's type-checked rules on every TypeScript file and on the
// <script> of every Vue component, Prettier owning formatting (eslint-config-prettier switches off
// the stylistic rules that would fight it).
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import vue from "eslint-plugin-vue";
import tseslint from "typescript-eslint";
import vueParser from "vue-eslint-parser";

export default tseslint.config(
  {
    // Build output, local data and scratch dot-files.
    ignores: ["dist/**", "node_modules/**", "data/**", "tmp/**", "coverage/**", "**/.*"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...vue.configs["flat/recommended"],
  {
    languageOptions: {
      parserOptions: {
        // Each file is checked with the tsconfig.json nearest to it (root or client/).
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // A promise nobody awaits loses its error (an unhandled rejection kills the node).
      "@typescript-eslint/no-floating-promises": "error",
      // An async function handed to Express or an event emitter has its rejection dropped.
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      // Template literals with numbers are the norm in messages and paths.
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true },
      ],
      // Stylistic, and `verbatimModuleSyntax` already keeps type-only imports honest.
      "@typescript-eslint/no-unnecessary-type-assertion": "off",
      // An async function without await is a legitimate way to satisfy a Promise-returning interface.
      "@typescript-eslint/require-await": "off",
      // Chinese text legitimately contains the ideographic space (U+3000), e.g. the blank （　　）.
      "no-irregular-whitespace": [
        "error",
        { skipStrings: true, skipComments: true, skipRegExps: true, skipTemplates: true },
      ],
      "no-console": "off",
    },
  },
  {
    // A feature is reached only through its index.ts (its public surface and glossary); lib/,
    // contracts/ and types/ are shared layers, open to all. One pattern per folder depth, so a
    // feature's own subfolders still import each other freely.
    files: ["server/*/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^\\.\\./(?!lib/|contracts/|types/)[^/]+/(?!index\\.js$)",
              message: "Import another feature only through its index.ts.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["server/*/*/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^\\.\\./\\.\\./(?!lib/|contracts/|types/)[^/]+/(?!index\\.js$)",
              message: "Import another feature only through its index.ts.",
            },
          ],
        },
      ],
    },
  },
  {
    // The composition root (main.ts, features.ts, app.ts) wires features through their index.ts too.
    files: ["server/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^\\./(?!lib/|contracts/|types/)[^/]+/(?!index\\.js$)",
              message: "Import a feature only through its index.ts.",
            },
          ],
        },
      ],
    },
  },
  {
    // Chai's property assertions (`expect(x).to.be.true`) are expressions; tests poke at raw driver
    // replies and browser globals (`page.evaluate`) whose types are `any` by nature.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-expressions": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
    },
  },
  {
    // Vue components: vue-eslint-parser reads the template and hands each <script lang="ts"> to
    // typescript-eslint, so the type-checked rules above see component code as they see any .ts file.
    files: ["client/**/*.vue"],
    languageOptions: {
      parser: vueParser,
      parserOptions: {
        parser: tseslint.parser,
        extraFileExtensions: [".vue"],
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // The compiler already resolves every identifier (and knows the browser globals).
      "no-undef": "off",
      // The Vue rule knows templates: Chinese labels align with the ideographic space (姓　　名).
      "no-irregular-whitespace": "off",
      "vue/no-irregular-whitespace": [
        "error",
        { skipStrings: true, skipComments: true, skipRegExps: true, skipTemplates: true, skipHTMLTextContents: true },
      ],
    },
  },
  {
    // The client's features are reached the same way: the router finds each feature's routes.ts,
    // and another feature (or the shell) may import only its index.ts; shared code lives in shared/.
    files: ["client/src/**/*.ts", "client/src/**/*.vue"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(?:@/features/|\\.\\./(?!shared/|app/))[^/]+/(?!index\\.js$)",
              message: "Import another feature only through its index.ts.",
            },
          ],
        },
      ],
    },
  },
  {
    // One time zone, the node's: instants are shown through shared/time.ts, which formats in it.
    // The browser's own zone (toLocaleString, getHours ...) showed the hub's pages in UTC on a
    // machine set to UTC while every other page showed China time.
    files: ["client/src/**/*.ts", "client/src/**/*.vue"],
    ignores: ["client/src/shared/time.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector:
            "CallExpression[callee.property.name=/^(toLocaleString|toLocaleDateString|toLocaleTimeString|getHours|getMinutes|getDate|getDay|getMonth|getFullYear|setHours|setDate)$/]",
          message: "Format and read instants with shared/time.ts (the node's time zone), not the browser's.",
        },
        {
          selector: "NewExpression[callee.object.name='Intl'][callee.property.name='DateTimeFormat']",
          message: "Format instants with shared/time.ts (the node's time zone).",
        },
      ],
    },
  },
  {
    // Pages (`*.page.vue`) and layouts are only ever mounted by the router, never written as a tag
    // in a template, so their single-word names cannot clash with an HTML element (the rule's aim).
    files: ["client/**/*.page.vue", "client/**/*.layout.vue"],
    rules: { "vue/multi-word-component-names": "off" },
  },
  {
    // Plain JavaScript config files are not in any tsconfig project.
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
);
