// ESLint (flat config) for the JavaScript of the project: the loader host pages run
// (public/embed.js) and the JS tests. scripts/test.sh installs ESLint and its two packages into
// $CONSULT_CACHE/eslint and names that folder in CONSULT_ESLINT_MODULES.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const modules = process.env.CONSULT_ESLINT_MODULES;
const load = (name, file) =>
  import(modules ? pathToFileURL(join(modules, name, file)).href : name);
const js = (await load("@eslint/js", "src/index.js")).default;
const globals = (await load("globals", "index.js")).default;

export default [
  js.configs.recommended,
  {
    files: ["public/embed.js"],
    languageOptions: {
      // What every browser that can run the widget understands; no modules: a classic script.
      ecmaVersion: 2017,
      sourceType: "script",
      globals: { ...globals.browser },
    },
    rules: {
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
      eqeqeq: "error",
      "no-implicit-globals": "error",
      strict: ["error", "function"],
    },
  },
  {
    files: ["public/api-docs/init.js"],
    languageOptions: {
      ecmaVersion: 2017,
      sourceType: "script",
      globals: { ...globals.browser, SwaggerUIBundle: "readonly", SwaggerUIStandalonePreset: "readonly" },
    },
    rules: { eqeqeq: "error", "no-implicit-globals": "error", strict: ["error", "function"] },
  },
  {
    files: ["tests/js/**/*.mjs", "eslint.config.mjs"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.node } },
  },
];
