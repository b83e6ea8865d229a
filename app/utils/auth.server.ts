// Who is signed in, and role checks for loaders and actions. Logging in (remix-auth's form strategy) is the domain's:
// app/domain/login.server.ts.
import { redirect } from "@remix-run/node";
import type { Role, User } from "#app/generated/prisma/client.ts";
import { db } from "./db.server.ts";
import { env } from "./env.server.ts";
import { getSessionId } from "./session.server.ts";

export type SessionUser = Pick<User, "id" | "email" | "name" | "role" | "emailVerifiedAt">;

export async function getUser(request: Request): Promise<SessionUser | null> {
  const sessionId = await getSessionId(request);
  if (!sessionId) return null;
  const session = await db().session.findUnique({
    where: { id: sessionId },
    select: {
      expiresAt: true,
      user: { select: { id: true, email: true, name: true, role: true, emailVerifiedAt: true } },
    },
  });
  if (!session || session.expiresAt < new Date()) return null;
  return session.user;
}

/**
 * The signed-in user, or a redirect to the login page. With `role`, anyone else gets a 403 page.
 */
export async function requireUser(request: Request, options: { role?: Role | Role[] } = {}): Promise<SessionUser> {
  const user = await getUser(request);
  if (!user) {
    const url = new URL(request.url);
    throw redirect(`/login?${new URLSearchParams({ redirectTo: url.pathname + url.search })}`);
  }
  if (options.role) {
    const allowed = Array.isArray(options.role) ? options.role : [options.role];
    if (!allowed.includes(user.role))
      throw new Response(
        `This page is only for ${allowed.map((r) => r.toLowerCase()).join(" and ")} accounts. You are signed in as a ${user.role.toLowerCase()}.`,
        { status: 403, statusText: "Forbidden" },
      );
  }
  return user;
}

export async function requireAnonymous(request: Request) {
  const user = await getUser(request);
  if (user) throw redirect(homeFor(user.role));
}

export function homeFor(role: Role) {
  return role === "STAFF" ? "/staff" : role === "CREATOR" ? "/creator" : "/library";
}

/**
 * Where to go after login: a path on our own origin, resolved against APP_URL, or `fallback`. Anything with a control
 * character or a backslash is refused outright (browsers drop tabs and newlines from URLs, so `/\t/evil.example`
 * would become `//evil.example`; CR/LF must never reach a Location header).
 */
function hasControlOrBackslash(text: string) {
  return [...text].some((c) => c === "\\" || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback: string) {
  if (typeof to !== "string" || !to.startsWith("/") || hasControlOrBackslash(to)) return fallback;
  const base = new URL(env().APP_URL);
  let target: URL;
  try {
    target = new URL(to, base);
  } catch {
    return fallback;
  }
  // `/.//evil.example` resolves to the path `//evil.example`, which a browser reads as another host.
  if (target.origin !== base.origin || target.pathname.startsWith("//")) return fallback;
  return `${target.pathname}${target.search}${target.hash}`;
}
