// Accounts: sign up, password checks and the login and sign-up rate limits.
//
// Passwords are hashed with Argon2id (@node-rs/argon2: native, on libuv's thread pool, so a burst of logins never
// blocks the event loop, and without bcrypt's 72-byte input limit). Hashes made by bcrypt before still verify, and are
// replaced by an Argon2id hash at the next successful login.
import { hash as argon2Hash, verify as argon2Verify } from "@node-rs/argon2";
import bcrypt from "bcryptjs";
import net from "node:net";
import os from "node:os";
import pLimit from "p-limit";
import { db, isUniqueViolation, transaction } from "#app/utils/db.server.ts";
import { block, consume, forget, refund, type RateLimit } from "#app/utils/rate-limit.server.ts";
import { startEmailVerification } from "./account-email.server.ts";
import { audit, type AuditActor } from "./audit.server.ts";
import { DomainError } from "./errors.ts";
import type { Role } from "#app/generated/prisma/client.ts";

// OWASP's first Argon2id choice (19 MiB, 2 passes); tests use the cheapest settings.
const ARGON2 =
  process.env.NODE_ENV === "test"
    ? { memoryCost: 1024, timeCost: 1, parallelism: 1 }
    : { memoryCost: 19_456, timeCost: 2, parallelism: 1 };
const CURRENT_HASH_PREFIX = `$argon2id$v=19$m=${ARGON2.memoryCost},t=${ARGON2.timeCost},p=${ARGON2.parallelism}$`;

/** The longest password accepted anywhere: long enough for any passphrase, short enough to hash cheaply. */
export const MAX_PASSWORD_LENGTH = 200;

/**
 * Hashes run on libuv's threads, but they still need CPU: at most one fewer at a time than there are cores, so a burst
 * of logins queues here and one core stays free for the event loop (health checks, pages, webhooks).
 */
const hashing = pLimit(Math.max(1, os.availableParallelism() - 1));

export function hashPassword(password: string) {
  return hashing(() => argon2Hash(password, ARGON2));
}

/** With more checks than this waiting, a login is turned away at once (503) rather than left waiting for minutes. */
const MAX_WAITING_CHECKS = 100;

export function passwordChecksBusy() {
  return hashing.pendingCount >= MAX_WAITING_CHECKS;
}

/** Whether `password` matches `hash` (Argon2id, or a bcrypt hash from before), and whether to store a new hash. */
export async function checkPassword(password: string, hash: string): Promise<{ ok: boolean; rehash: boolean }> {
  // bcryptjs runs on the event loop (in slices); it waits its turn with the other checks.
  if (hash.startsWith("$2")) return { ok: await hashing(() => bcrypt.compare(password, hash)), rehash: true };
  const ok = await hashing(() => argon2Verify(hash, password)).catch(() => false);
  return { ok, rehash: !hash.startsWith(CURRENT_HASH_PREFIX) };
}

/** Signing up with an email that already has an account (the message belongs to the email field). */
export function emailTaken() {
  return new DomainError("email_taken", "An account with this email already exists. Log in instead.", {
    field: "email",
  });
}

/**
 * Self-registration creates buyers and creators only; staff accounts are made by `npm run staff:create`. The new
 * account's address is unproven until the link emailed with it (in the same transaction) is followed.
 */
export async function signUp(input: {
  email: string;
  name: string;
  password: string;
  role: Extract<Role, "BUYER" | "CREATOR">;
  actor: AuditActor;
}) {
  // A taken email is answered without hashing: hashing is the expensive part, and there is nothing to protect.
  if (await db().user.findUnique({ where: { email: input.email.toLowerCase() }, select: { id: true } }))
    throw emailTaken();
  const passwordHash = await hashPassword(input.password);
  try {
    return await transaction(async (tx) => {
      const user = await tx.user.create({
        data: { email: input.email.toLowerCase(), name: input.name, passwordHash, role: input.role },
      });
      await startEmailVerification(tx, user);
      if (user.role === "CREATOR")
        await tx.creatorAccount.create({
          data: { userId: user.id, displayName: input.name, slug: creatorSlug(input.name, user.id) },
        });
      await audit(tx, {
        actor: { ...input.actor, type: "USER", id: user.id },
        action: "user.signed_up",
        entityType: "user",
        entityId: user.id,
        data: { role: user.role },
      });
      return user;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw emailTaken();
    throw error;
  }
}

/** A readable, unique creator page slug: "Ada Lovelace" → "ada-lovelace-x7k2". */
export function creatorSlug(name: string, userId: string) {
  const base = name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return `${base || "creator"}-${userId.slice(-4)}`;
}

// A hash compared when the email is unknown, so response time does not reveal which emails exist.
let dummyHash: Promise<string> | undefined;

/**
 * The user whose email and password these are, or null. Every verification is recorded (the login attempts staff
 * can see); a bcrypt or outdated hash is replaced after a successful check.
 */
export async function verifyLogin(email: string, password: string, ip: string) {
  const user = await db().user.findUnique({ where: { email: email.toLowerCase() } });
  dummyHash ??= hashPassword("not-a-real-password");
  const result = await checkPassword(password, user?.passwordHash ?? (await dummyHash));
  const ok = result.ok && user !== null;
  await db().loginAttempt.create({ data: { email: email.toLowerCase(), ip, succeeded: ok } });
  if (ok && result.rehash)
    await db().user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(password) } });
  return ok ? user : null;
}

/**
 * Login limits. A try is reserved before the password is checked, so parallel requests cannot get more checks than
 * the limit. Failures count per (address, email): nobody can lock a named account from somewhere else. After five,
 * that pair is blocked for 15 minutes, doubling with every further lock-out in a day (up to a day). One address gets
 * 50 tries per 15 minutes across all emails.
 */
export const LOGIN_LIMITS = {
  perAddressAndEmail: { name: "login:ip+email", points: 5, durationSeconds: 15 * 60 },
  perAddress: { name: "login:ip", points: 50, durationSeconds: 15 * 60 },
  lockouts: { name: "login:lockouts", points: 1_000, durationSeconds: 24 * 60 * 60 },
} satisfies Record<string, RateLimit>;

const MAX_BLOCK_SECONDS = 24 * 60 * 60;

export type LoginReservation = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * The address a limit counts: IPv4 as is, IPv6 by its /64 (one subscriber's whole network, which hands its machines
 * any address inside it), an IPv4-mapped IPv6 address as the IPv4 one.
 */
export function limitAddress(ip: string) {
  const address = ip.split("%")[0]!;
  if (!net.isIPv6(address)) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  const [head = "", tail] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(":")}::/64`;
}

function pairKey(email: string, ip: string) {
  return `${limitAddress(ip)}|${email.toLowerCase()}`;
}

export async function reserveLoginAttempt(email: string, ip: string): Promise<LoginReservation> {
  const pair = pairKey(email, ip);
  const tries = await consume(LOGIN_LIMITS.perAddressAndEmail, pair);
  if (!tries.ok) {
    // The first refusal of a window starts a lock-out, longer each time.
    if (tries.consumed === LOGIN_LIMITS.perAddressAndEmail.points + 1) {
      const lockouts = await consume(LOGIN_LIMITS.lockouts, pair);
      const count = lockouts.ok ? lockouts.consumed : LOGIN_LIMITS.lockouts.points;
      const seconds = Math.min(LOGIN_LIMITS.perAddressAndEmail.durationSeconds * 2 ** (count - 1), MAX_BLOCK_SECONDS);
      await block(LOGIN_LIMITS.perAddressAndEmail, pair, seconds);
      return { ok: false, retryAfterSeconds: seconds };
    }
    return { ok: false, retryAfterSeconds: tries.retryAfterSeconds };
  }
  const address = await consume(LOGIN_LIMITS.perAddress, limitAddress(ip));
  if (!address.ok) return { ok: false, retryAfterSeconds: address.retryAfterSeconds };
  return { ok: true };
}

/** A successful login clears the pair's failures and gives the address its try back. */
export async function loginSucceeded(email: string, ip: string) {
  await Promise.all([
    forget(LOGIN_LIMITS.perAddressAndEmail, pairKey(email, ip)),
    refund(LOGIN_LIMITS.perAddress, limitAddress(ip)),
  ]);
}

/** Sign-ups per address: enough for a household or an office, not for a script. */
export const SIGNUP_LIMIT = { name: "signup:ip", points: 20, durationSeconds: 60 * 60 } satisfies RateLimit;

export async function reserveSignup(ip: string): Promise<LoginReservation> {
  const reservation = await consume(SIGNUP_LIMIT, limitAddress(ip));
  return reservation.ok ? { ok: true } : { ok: false, retryAfterSeconds: reservation.retryAfterSeconds };
}

/** "3 minutes", "2 hours": how long to wait, for people. */
export function waitText(seconds: number) {
  if (seconds < 90) return `${Math.max(1, Math.ceil(seconds))} seconds`;
  if (seconds < 90 * 60) return `${Math.ceil(seconds / 60)} minutes`;
  return `${Math.ceil(seconds / 3600)} hours`;
}
