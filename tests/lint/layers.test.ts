// The layer rules in eslint.config.js catch a wrong-way import (and let the right ones through).
import { ESLint } from "eslint";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../scripts/lib/database.ts";

const eslint = new ESLint({ cwd: projectRoot });

async function problems(file: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath: path.join(projectRoot, file) });
  return result!.messages.filter((m) => m.ruleId === "@typescript-eslint/no-restricted-imports").map((m) => m.message);
}

describe("layer rules", () => {
  it.each([
    ["app/routes/zz.tsx", 'import { db } from "#app/utils/db.server.ts";', /through a domain function/],
    ["app/routes/zz.tsx", 'import { stripe } from "#app/stripe/client.server.ts";', /through a domain function/],
    ["app/routes/zz.tsx", 'import Stripe from "stripe";', /Only app\/stripe\/ imports stripe/],
    ["app/stripe/zz.server.ts", 'import { refundOrder } from "#app/domain/refunds.server.ts";', /below the domain/],
    ["app/domain/zz.server.ts", 'import { loader } from "#app/routes/_ops+/healthz.ts";', /entry points/],
    ["app/domain/zz.server.ts", 'import type Stripe from "stripe";', /app's own types/],
    ["app/utils/zz.server.ts", 'import { audit } from "#app/domain/audit.server.ts";', /below the domain/],
    ["app/domain/zz.server.ts", 'import { x } from "../utils/db.server.ts";', /#app\//],
  ])("refuses in %s: %s", async (file, code, message) => {
    const found = await problems(file, `${code}\nexport const used = [${/import \{ (\w+)/.exec(code)?.[1] ?? "0"}];\n`);
    expect(found.length).toBe(1);
    expect(found[0]).toMatch(message);
  });

  it.each([
    ["app/routes/zz.tsx", 'import { refundOrder } from "#app/domain/refunds.server.ts";'],
    ["app/routes/zz.tsx", 'import type { Role } from "#app/generated/prisma/client.ts";'],
    ["app/domain/zz.server.ts", 'import { db } from "#app/utils/db.server.ts";'],
    ["app/domain/zz.server.ts", 'import { createRefund } from "#app/stripe/refunds.server.ts";'],
    ["app/stripe/zz.server.ts", 'import Stripe from "stripe";'],
  ])("allows in %s: %s", async (file, code) => {
    expect(await problems(file, `${code}\n`)).toEqual([]);
  });
});
