// ESLint flat config for kefgen's own sources (generated code carries `/* eslint-disable */`).
// Formatting is prettier's job (.prettierrc.json); eslint-config-prettier turns off the rules that would fight it.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      "editors/vscode/out/**",
      "editors/vscode/node_modules/**",
      "fixtures/**/expected/**",
      "examples/*/generated/**",
      ".ci/**",
      "coverage/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits or catches is how a Kafka runtime loses an error (or a record): refuse it.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": [
        "error",
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      // `typeof import("...")` stays allowed: it types a lazily loaded optional peer without loading it.
      "@typescript-eslint/consistent-type-imports": [
        "error",
        { fixStyle: "inline-type-imports", disallowTypeAnnotations: false },
      ],
      "no-constant-condition": ["error", { checkLoops: false }],
      // A callback declared before the value it reads is assigned (a listener that needs its member) keeps `let`.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // A connection holds bindings of many message types: their handlers take different parameters (contravariant),
    // so the collections are typed with `any` on purpose; tests and benchmarks poke at untyped client internals.
    files: ["runtime/**/*.ts", "test/**/*.ts", "bench/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["**/*.js", "**/*.cjs", "**/*.mjs"],
    languageOptions: { globals: globals.node },
  },
  {
    // The VS Code extension's entry is CommonJS (VS Code loads it with require()).
    files: ["editors/vscode/extension.js"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  prettier,
);
