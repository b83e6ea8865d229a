// Lint: correctness rules for TypeScript, and the layers of the app as import rules (top to bottom):
//   app/routes/, app/webhooks/ and app/jobs/ (entry points) → app/domain/ → app/stripe/ (the only importer of `stripe`) → app/utils/
// A module may import from its own layer or below, never above; entry points reach the database and Stripe only
// through the domain. One import style: `#app/…` (no `../` climbing out of a folder).
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import globals from "globals";
import tseslint from "typescript-eslint";

/**
 * Imports refused in a layer, each with the reason shown to whoever breaks it: `regex` matches import paths
 * (`#app/…` cannot be a gitignore-style group: a leading `#` is a comment there), `name` is one package's exact name.
 */
function layer(files, forbidden) {
  const rule = (entry) => ({ message: entry.message, allowTypeImports: entry.allowTypeImports ?? false });
  return {
    files,
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: forbidden.filter((entry) => entry.name).map((entry) => ({ name: entry.name, ...rule(entry) })),
          patterns: forbidden.filter((entry) => entry.regex).map((entry) => ({ regex: entry.regex, ...rule(entry) })),
        },
      ],
    },
  };
}

const UP_AND_OUT = { regex: "^\\.\\./", message: "Import with #app/… instead of climbing out of the folder." };
const ENTRY_POINTS = {
  regex: "^#app/(routes|webhooks|jobs)/",
  message: "Routes, webhooks and jobs are entry points: nothing below them may import them.",
};
const DATABASE = {
  regex: "^(#app/utils/db\\.server|#app/generated/|@prisma/)",
  message: "Entry points reach the database through a domain function.",
  allowTypeImports: true,
};
const STRIPE_ADAPTER = {
  regex: "^#app/stripe/",
  message: "Entry points reach Stripe through a domain function.",
};
const STRIPE_PACKAGE = { name: "stripe", message: "Only app/stripe/ imports stripe." };
const DOMAIN = { regex: "^#app/domain/", message: "This layer sits below the domain and must not import it." };

export default tseslint.config(
  {
    ignores: [
      "build/**",
      "app/generated/**",
      "data/**",
      "node_modules/**",
      "public/**",
      ".cache/**",
      "test-results/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      "no-empty": ["error", { allowEmptyCatch: true }],
    },
  },
  layer(
    ["app/routes/**"],
    [
      UP_AND_OUT,
      DATABASE,
      STRIPE_ADAPTER,
      STRIPE_PACKAGE,
      { regex: "^#app/webhooks/", message: "Routes call the domain, not the webhook layer." },
    ],
  ),
  // The Stripe webhook's URL is a Remix route, but the route is only the webhook layer's door.
  layer(["app/routes/api+/webhooks.stripe.ts"], [UP_AND_OUT, DATABASE, STRIPE_ADAPTER, STRIPE_PACKAGE]),
  layer(
    ["app/webhooks/**"],
    [
      UP_AND_OUT,
      { regex: "^#app/routes/", message: "Webhooks call the domain, not routes." },
      { regex: "^#app/jobs/", message: "Jobs call the webhook layer; the webhook layer only enqueues." },
    ],
  ),
  // Background jobs run webhook processing and domain work; they never reach into routes or Stripe directly.
  layer(
    ["app/jobs/**"],
    [
      UP_AND_OUT,
      STRIPE_ADAPTER,
      STRIPE_PACKAGE,
      { regex: "^#app/routes/", message: "Jobs call the domain or the webhook layer, not routes." },
    ],
  ),
  layer(
    ["app/domain/**"],
    [
      UP_AND_OUT,
      ENTRY_POINTS,
      {
        name: "stripe",
        message: "The domain works with the app's own types; app/stripe/ turns Stripe objects into them.",
      },
    ],
  ),
  layer(["app/stripe/**"], [UP_AND_OUT, ENTRY_POINTS, DOMAIN]),
  layer(
    ["app/utils/**"],
    [
      UP_AND_OUT,
      ENTRY_POINTS,
      DOMAIN,
      { regex: "^#app/stripe/", message: "Utilities sit below the Stripe adapter." },
      STRIPE_PACKAGE,
    ],
  ),
  layer(["app/components/**"], [UP_AND_OUT, DATABASE, STRIPE_ADAPTER, STRIPE_PACKAGE, ENTRY_POINTS]),
  {
    // Prisma's CLI internals (see the workarounds there) are untyped.
    files: ["prisma.config.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  prettier,
);
