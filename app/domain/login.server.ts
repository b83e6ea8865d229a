// Logging in: remix-auth v4's form strategy. The form is parsed with zod, a try is reserved against the login limits
// before the password is checked, and the password is checked off the event loop (see users.server.ts).
import { Authenticator } from "remix-auth";
import { FormStrategy } from "remix-auth-form";
import { z } from "zod";
import type { SessionUser } from "#app/utils/auth.server.ts";
import { clientIp } from "#app/utils/client-address.ts";
import { DomainError } from "./errors.ts";
import {
  loginSucceeded,
  MAX_PASSWORD_LENGTH,
  passwordChecksBusy,
  reserveLoginAttempt,
  verifyLogin,
  waitText,
} from "./users.server.ts";

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

export const authenticator = new Authenticator<SessionUser>();

authenticator.use(
  new FormStrategy(async ({ form, request }) => {
    const parsed = loginSchema.safeParse(Object.fromEntries(form));
    if (!parsed.success) {
      const fieldErrors = Object.fromEntries(
        Object.entries(parsed.error.flatten().fieldErrors).map(([k, v]) => [k, v?.[0] ?? "Invalid"]),
      );
      throw new DomainError("invalid_input", "Please correct the highlighted fields.", { status: 400, fieldErrors });
    }
    const { email, password } = parsed.data;
    const ip = clientIp(request);
    // The try is reserved before the password is checked, so parallel requests cannot exceed the limit.
    const reservation = await reserveLoginAttempt(email, ip);
    if (!reservation.ok)
      throw new DomainError(
        "rate_limited",
        `Too many failed attempts. Try again in ${waitText(reservation.retryAfterSeconds)}.`,
        { status: 429 },
      );
    if (passwordChecksBusy())
      throw new DomainError("busy", "We're handling a lot of logins right now. Please try again in a few seconds.", {
        status: 503,
      });
    const user = await verifyLogin(email, password, ip);
    if (!user)
      throw new DomainError("bad_credentials", "That email and password don't match an account.", { status: 401 });
    await loginSucceeded(email, ip);
    return { id: user.id, email: user.email, name: user.name, role: user.role, emailVerifiedAt: user.emailVerifiedAt };
  }),
  "form",
);
