import { randomBytes } from "node:crypto";
const ALPHA = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export function rand(n = 24): string {
  const b = randomBytes(n);
  let s = "";
  for (let i = 0; i < n; i++) s += ALPHA[b[i] % ALPHA.length];
  return s;
}
export function newId(prefix: string): string {
  return `${prefix}_${rand(24)}`;
}
export function now(): number {
  return Math.floor(Date.now() / 1000);
}
