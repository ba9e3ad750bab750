// Flat config: typescript-eslint's type-checked rules on every TypeScript file, Prettier owning
// formatting (eslint-config-prettier switches off the stylistic rules that would fight it).
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    // Build output, local data, scratch dot-files, and the client: vue-tsc type-checks the client in
    // `npm run typecheck`, and outside vue-tsc its `.vue` imports have no types to check against.
    ignores: ["dist/**", "node_modules/**", "data/**", "tmp/**", "coverage/**", "client/**", "**/.*"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
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
    // Plain JavaScript config files are not in any tsconfig project.
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
);
