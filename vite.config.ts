import { vitePlugin as remix } from "@remix-run/dev";
import { flatRoutes } from "remix-flat-routes";
import { defineConfig } from "vite";
import tsconfigPaths from "vite-tsconfig-paths";

declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
}

const isTest = Boolean(process.env.VITEST);

export default defineConfig({
  plugins: [
    !isTest &&
      remix({
        // Routes live in audience folders (app/routes/_shop+/, creator+/, …) read by remix-flat-routes: a `+` folder's
        // name is the first segment of its files' names (`creator+/dashboard.tsx` is `creator.dashboard`), and a
        // leading `_` keeps it out of the URL. Remix's own convention would see none of them, so it ignores every file.
        ignoredRouteFiles: ["**/*"],
        routes: async (defineRoutes) =>
          flatRoutes("routes", defineRoutes, { ignoredRouteFiles: ["**/*.test.*", "**/*.server.ts"] }),
        future: {
          v3_fetcherPersist: true,
          v3_relativeSplatPath: true,
          v3_throwAbortReason: true,
          v3_singleFetch: true,
          v3_lazyRouteDiscovery: true,
        },
      }),
    tsconfigPaths(),
  ],
  server: { port: 3000 },
  test: {
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      {
        extends: true,
        test: {
          name: "app",
          include: [
            "app/**/*.test.ts",
            "tests/lint/**/*.test.ts",
            "tests/integration/**/*.test.ts",
            "tests/faults/**/*.test.ts",
            "tests/e2e/**/*.test.ts",
          ],
          globalSetup: ["tests/setup/global-setup.ts"],
          setupFiles: ["tests/setup/each-file.ts"],
        },
      },
      {
        extends: true,
        test: { name: "stripe-emulator", include: ["tests/emulator/**/*.test.ts"] },
      },
    ],
  },
});
