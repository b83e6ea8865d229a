// Building real Requests for loaders and actions, and signed-in sessions without the login form.
import { db } from "#app/utils/db.server.ts";
import { hashPassword } from "#app/domain/users.server.ts";
import { sessionStorage } from "#app/utils/session.server.ts";
import type { Role } from "#app/generated/prisma/client.ts";

export const TEST_ORIGIN = "http://localhost:3000";

export function formRequest(
  path: string,
  fields: Record<string, string>,
  options: { cookie?: string; ip?: string } = {},
) {
  return new Request(`${TEST_ORIGIN}${path}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Origin: TEST_ORIGIN,
      "x-client-ip": options.ip ?? "127.0.0.1",
      ...(options.cookie ? { Cookie: options.cookie } : {}),
    },
    body: new URLSearchParams(fields),
  });
}

export function getRequest(path: string, options: { cookie?: string } = {}) {
  return new Request(`${TEST_ORIGIN}${path}`, { headers: options.cookie ? { Cookie: options.cookie } : {} });
}

let counter = 0;
/** A user made directly (not through sign-up); its email counts as verified unless `verified: false`. */
export async function createUser(
  options: { role?: Role; email?: string; password?: string; name?: string; verified?: boolean } = {},
) {
  counter += 1;
  const password = options.password ?? "correct horse battery";
  const user = await db().user.create({
    data: {
      email: options.email ?? `user${counter}-${Date.now()}@example.com`,
      name: options.name ?? `Test User ${counter}`,
      role: options.role ?? "BUYER",
      passwordHash: await hashPassword(password),
      emailVerifiedAt: options.verified === false ? null : new Date(),
    },
  });
  return { user, password };
}

/** A session cookie for `userId`, as the login would set it. */
export async function sessionCookie(userId: string) {
  const row = await db().session.create({ data: { userId, expiresAt: new Date(Date.now() + 3_600_000) } });
  const session = await sessionStorage().getSession();
  session.set("sessionId", row.id);
  const setCookie = await sessionStorage().commitSession(session);
  return setCookie.split(";")[0]!;
}

/** Calls a route's loader or action the way Remix does, returning the Response whether returned or thrown. */
export async function callRoute(
  fn: (args: { request: Request; params: Record<string, string>; context: Record<string, unknown> }) => unknown,
  request: Request,
  params: Record<string, string> = {},
): Promise<Response> {
  try {
    const result = await fn({ request, params, context: {} });
    if (result instanceof Response) return result;
    if (
      result &&
      typeof result === "object" &&
      "type" in result &&
      (result as { type: string }).type === "DataWithResponseInit"
    ) {
      const { data, init } = result as unknown as { data: unknown; init?: ResponseInit };
      return Response.json(data, init ?? {});
    }
    return Response.json(result);
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}
