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
let clockOffset = 0;
/** Emulated "now" in unix seconds. Test control /_emulator/clock can move it forward. */
export function now(): number {
  return Math.floor(Date.now() / 1000) + clockOffset;
}
export function advanceClock(seconds: number): number {
  clockOffset += seconds;
  return now();
}
export function resetClock(): void {
  clockOffset = 0;
}
