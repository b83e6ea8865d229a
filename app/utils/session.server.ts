// Cookie sessions: the signed cookie holds only a database session id, so logging out (or staff) can revoke it.
import { createCookieSessionStorage, redirect } from "@remix-run/node";
import { db } from "./db.server.ts";
import { env } from "./env.server.ts";

export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

type SessionData = { sessionId: string };
let storage: ReturnType<typeof createCookieSessionStorage<SessionData>> | undefined;

export function sessionStorage() {
  storage ??= createCookieSessionStorage<SessionData>({
    cookie: {
      name: "__session",
      httpOnly: true,
      sameSite: "lax",
      path: "/",
      secure: env().NODE_ENV === "production",
      secrets: [env().SESSION_SECRET],
      maxAge: SESSION_TTL_MS / 1000,
    },
  });
  return storage;
}

export async function getSessionId(request: Request): Promise<string | null> {
  const session = await sessionStorage().getSession(request.headers.get("Cookie"));
  const id = session.get("sessionId");
  return typeof id === "string" ? id : null;
}

/** Creates a database session for the user and redirects with the cookie set. */
export async function startSession(request: Request, userId: string, redirectTo: string) {
  const row = await db().session.create({
    data: {
      userId,
      expiresAt: new Date(Date.now() + SESSION_TTL_MS),
      ip: request.headers.get("x-client-ip"),
      userAgent: request.headers.get("user-agent")?.slice(0, 300),
    },
  });
  const session = await sessionStorage().getSession();
  session.set("sessionId", row.id);
  return redirect(redirectTo, { headers: { "Set-Cookie": await sessionStorage().commitSession(session) } });
}

export async function endSession(request: Request, redirectTo = "/") {
  const cookieSession = await sessionStorage().getSession(request.headers.get("Cookie"));
  const id = cookieSession.get("sessionId");
  if (typeof id === "string") await db().session.deleteMany({ where: { id } });
  return redirect(redirectTo, { headers: { "Set-Cookie": await sessionStorage().destroySession(cookieSession) } });
}
