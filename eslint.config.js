// Lint: the recommended JavaScript and typescript-eslint rules, on sources, tests and scripts.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/*.tsbuildinfo", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        setImmediate: "readonly",
        URL: "readonly",
        performance: "readonly",
        globalThis: "readonly",
        structuredClone: "readonly",
        AbortController: "readonly",
        AbortSignal: "readonly",
        SharedArrayBuffer: "readonly",
        Atomics: "readonly",
        fetch: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/consistent-type-imports": ["error", { disallowTypeAnnotations: false }],
      "no-constant-condition": ["error", { checkLoops: false }],
      "no-empty": ["error", { allowEmptyCatch: true }],
    },
  },
  {
    // The web UI: plain ES modules that run in the browser.
    files: ["server/ui/**/*.js"],
    languageOptions: {
      globals: {
        document: "readonly",
        location: "readonly",
        localStorage: "readonly",
        fetch: "readonly",
        confirm: "readonly",
        addEventListener: "readonly",
        removeEventListener: "readonly",
        URLSearchParams: "readonly",
        TextDecoderStream: "readonly",
      },
    },
  },
);
