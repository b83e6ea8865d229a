// Parameter validation: unknown parameters and missing required ones are rejected like Stripe does.
import { missingParam, unknownParam, invalidParam } from "./errors.js";
import type { FormObject, FormValue } from "./form.js";

/** `true` = scalar, "map" = free-form string map (metadata), object = nested shape, [shape] = array of shape.
 *  A key ending in "!" is required. */
export type Shape = true | "map" | "any" | Shape[] | { [key: string]: Shape };

function walk(value: FormValue | undefined, shape: Shape, path: string): void {
  if (shape === "any" || value === undefined) return;
  if (shape === true) {
    if (typeof value !== "string") throw invalidParam(path, `Invalid value for ${path}: expected a string or number.`);
    return;
  }
  if (shape === "map") {
    if (value === "") return; // unsetting
    if (typeof value !== "object" || Array.isArray(value)) throw invalidParam(path, `Invalid object`);
    return;
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) {
      if (value && typeof value === "object") {
        // a[0] style parse produced arrays; an object here means non-numeric keys
        throw invalidParam(path, `Invalid array`);
      }
      if (value === "") return;
      throw invalidParam(path, `Invalid array`);
    }
    value.forEach((v, i) => walk(v, shape[0], `${path}[${i}]`));
    return;
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    if (value === "") return;
    throw invalidParam(path, `Invalid object`);
  }
  checkObject(value, shape, path);
}

function checkObject(obj: { [k: string]: FormValue }, shape: { [key: string]: Shape }, prefix: string): void {
  const keys = new Map<string, { shape: Shape; required: boolean }>();
  for (const [k, s] of Object.entries(shape)) {
    const required = k.endsWith("!");
    keys.set(required ? k.slice(0, -1) : k, { shape: s, required });
  }
  for (const k of Object.keys(obj)) {
    const full = prefix ? `${prefix}[${k}]` : k;
    const spec = keys.get(k);
    if (!spec) throw unknownParam(full);
  }
  for (const [k, spec] of keys) {
    const full = prefix ? `${prefix}[${k}]` : k;
    if (spec.required && (obj[k] === undefined || obj[k] === "")) throw missingParam(full);
    walk(obj[k], spec.shape, full);
  }
}

/** Validate request params. `expand` is always allowed. */
export function validate(params: FormObject, shape: { [key: string]: Shape }): void {
  checkObject(params, { expand: [true], ...shape }, "");
}

export const LIST: { [key: string]: Shape } = {
  limit: true,
  starting_after: true,
  ending_before: true,
  created: "any",
};

export function int(v: FormValue | undefined, param: string, opts: { min?: number } = {}): number | undefined {
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "string" || !/^-?\d+$/.test(v))
    throw invalidParam(param, `Invalid integer: ${String(v)}`, "parameter_invalid_integer");
  const n = Number(v);
  if (opts.min !== undefined && n < opts.min)
    throw invalidParam(param, `This value must be greater than or equal to ${opts.min}.`);
  return n;
}

export function bool(v: FormValue | undefined, param: string): boolean | undefined {
  if (v === undefined || v === "") return undefined;
  if (v === "true") return true;
  if (v === "false") return false;
  throw invalidParam(param, `Invalid boolean: ${String(v)}`);
}

export function str(v: FormValue | undefined): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

export function metadata(v: FormValue | undefined, base: Record<string, string> = {}): Record<string, string> {
  if (v === undefined) return base;
  if (v === "") return {};
  const out = { ...base };
  for (const [k, x] of Object.entries(v as Record<string, FormValue>)) {
    if (x === "") delete out[k];
    else out[k] = String(x);
  }
  return out;
}
