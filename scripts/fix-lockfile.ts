// `npm run lockfile:fix`: adds to package-lock.json the platform-specific optional packages of Rollup that this
// machine's registry mirror does not serve (it answers 404 for other platforms' binaries), so npm leaves them out of
// the lock file, and `npm ci` (npm 11) then refuses the lock file as out of sync. The entries only name the package,
// its version and the platform it is for; npm skips them on every other platform and never downloads them here.
// Run it after any `npm install` that changes package-lock.json.
import fs from "node:fs";
import path from "node:path";

const lockPath = path.resolve(import.meta.dirname, "../package-lock.json");
const lock = JSON.parse(fs.readFileSync(lockPath, "utf8")) as { packages: Record<string, Record<string, unknown>> };

/** "@rollup/rollup-linux-x64-musl" → os linux, cpu x64, libc musl (Rollup's own naming: rollup-<os>-<cpu>[-<abi>]). */
function platformOf(name: string) {
  const [, os, cpu, abi = ""] = name.split("/")[1]!.split("-");
  const libc = abi.startsWith("musl") ? "musl" : os === "linux" && abi.startsWith("gnu") ? "glibc" : null;
  return { os: [os!], cpu: [cpu!], ...(libc ? { libc: [libc] } : {}) };
}

let added = 0;
for (const [key, entry] of Object.entries(lock.packages)) {
  const optional = entry.optionalDependencies as Record<string, string> | undefined;
  if (!optional || !/node_modules\/rollup$/.test(key)) continue;
  const base = key.slice(0, key.length - "rollup".length);
  for (const [name, version] of Object.entries(optional)) {
    const entryKey = `${base}${name}`;
    if (lock.packages[entryKey]) continue;
    lock.packages[entryKey] = { version, ...platformOf(name), dev: true, license: "MIT", optional: true };
    added++;
  }
}
const sorted = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
);
lock.packages = sorted;
fs.writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(
  added
    ? `Added ${added} platform entries to package-lock.json.`
    : "package-lock.json already lists every platform package.",
);
