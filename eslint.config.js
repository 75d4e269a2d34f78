// eslint (flat config) with typescript-eslint's recommended rules, not type-checked (fast enough to run
// first in every `npm test`). `npm run lint` runs it with the import-cycle check (madge, .madgerc).
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", ".data/**", "client/dist/**", "docker/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: [
      "server/src/**/*.ts",
      "server/test/**/*.ts",
      "server/bench/**/*.ts",
      "shared/src/**/*.ts",
      "scripts/**/*.{mjs,js,ts}",
      "examples/**/*.{ts,mjs,js}",
      "*.js",
    ],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ["client/src/**/*.ts", "client/test/**/*.ts"],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
  {
    files: ["server/test/**/*.ts", "client/test/**/*.ts"],
    languageOptions: { globals: { ...globals.mocha } },
    rules: {
      // chai's property assertions (`expect(x).to.be.ok`) are expressions by design
      "@typescript-eslint/no-unused-expressions": "off",
    },
  },
  {
    // Tests and the browser client read the API's JSON untyped (response bodies, page state); the
    // server's and shared's own code keeps the rule.
    files: ["server/test/**/*.ts", "client/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    rules: {
      // prettier wraps code at 120; this catches comments and code it cannot wrap. Strings and template
      // literals (prose, HTML, test names) may run long: breaking them only hides the text.
      "max-len": [
        "error",
        { code: 160, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreUrls: true, ignoreRegExpLiterals: true },
      ],
      // a comment between grouped case labels (core/fold.ts) is not a fall-through
      "no-fallthrough": ["error", { allowEmptyCase: true }],
      // `_name` marks a value left unused on purpose (a destructured field dropped, a required parameter).
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrors: "none",
          destructuredArrayIgnorePattern: "^_",
        },
      ],
    },
  },
);
