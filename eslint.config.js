// ESLint (flat config): typescript-eslint's recommended rules for every TypeScript file, plus the
// type-aware rules that catch what a webhook app cannot afford: a promise nobody awaits (an
// evaluation that fails silently) or a promise used as a condition. Formatting is Prettier's job.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["lib/", "coverage/", "node_modules/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // a ternary inside a ternary is hard to read: use if/else, a small function or a lookup
  { rules: { "no-nested-ternary": "error" } },
  {
    files: ["**/*.ts"],
    // the test project covers src, test, bench, examples and scripts
    languageOptions: { parserOptions: { project: ["./tsconfig.test.json"], tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      // `_name` marks a value left out on purpose (a destructured field, an unused parameter)
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      // sanitisers and git ref-name checks match control characters on purpose
      "no-control-regex": "off",
    },
  },
  {
    // tests take GitHub payloads and BOMs apart and edit them as loose JSON
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
