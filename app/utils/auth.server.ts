// Authentication (remix-auth v4 with a form strategy) and role checks for loaders and actions.
import { redirect } from "@remix-run/node";
import { Authenticator } from "remix-auth";
import { FormStrategy } from "remix-auth-form";
import { z } from "zod";
import type { Role, User } from "#app/generated/prisma/client.ts";
import { clientIp } from "#app/domain/audit.server.ts";
import {
  loginSucceeded,
  MAX_PASSWORD_LENGTH,
  passwordChecksBusy,
  reserveLoginAttempt,
  verifyLogin,
  waitText,
} from "#app/domain/users.server.ts";
import { db } from "./db.server.ts";
import { env } from "./env.server.ts";
import { getSessionId } from "./session.server.ts";

export type SessionUser = Pick<User, "id" | "email" | "name" | "role">;

export const loginSchema = z.object({
  email: z
    .string({ required_error: "Enter your email" })
    .trim()
    .toLowerCase()
    .max(254, "Enter a valid email address")
    .email("Enter a valid email address"),
  password: z
    .string({ required_error: "Enter your password" })
    .min(1, "Enter your password")
    .max(MAX_PASSWORD_LENGTH, "That email and password don't match an account."),
});

/** A login that failed for a reason the person should read (bad input, wrong password, too many tries). */
export class LoginError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly fieldErrors: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const authenticator = new Authenticator<SessionUser>();

authenticator.use(
  new FormStrategy(async ({ form, request }) => {
    const parsed = loginSchema.safeParse(Object.fromEntries(form));
    if (!parsed.success) {
      const fieldErrors = Object.fromEntries(
        Object.entries(parsed.error.flatten().fieldErrors).map(([k, v]) => [k, v?.[0] ?? "Invalid"]),
      );
      throw new LoginError("Please correct the highlighted fields.", 400, fieldErrors);
    }
    const { email, password } = parsed.data;
    const ip = clientIp(request);
    // The try is reserved before the password is checked, so parallel requests cannot exceed the limit.
    const reservation = await reserveLoginAttempt(email, ip);
    if (!reservation.ok)
      throw new LoginError(
        `Too many failed attempts. Try again in ${waitText(reservation.retryAfterSeconds)}.`,
        429,
      );
    if (passwordChecksBusy())
      throw new LoginError("We're handling a lot of logins right now. Please try again in a few seconds.", 503);
    const user = await verifyLogin(email, password, ip);
    if (!user) throw new LoginError("That email and password don't match an account.", 401);
    await loginSucceeded(email, ip);
    return { id: user.id, email: user.email, name: user.name, role: user.role };
  }),
  "form",
);

export async function getUser(request: Request): Promise<SessionUser | null> {
  const sessionId = await getSessionId(request);
  if (!sessionId) return null;
  const session = await db().session.findUnique({
    where: { id: sessionId },
    select: { expiresAt: true, user: { select: { id: true, email: true, name: true, role: true } } },
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
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback: string) {
  if (typeof to !== "string" || !to.startsWith("/") || /[\u0000-\u001f\u007f\\]/.test(to)) return fallback;
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
