import { data } from "@remix-run/node";
import type { z } from "zod";

export type FieldErrors = Record<string, string>;

/** Parses form data with a zod schema; on failure, a 400 with the first message per field (passwords never echoed). */
export function parseForm<S extends z.ZodTypeAny>(
  formData: FormData,
  schema: S,
): { ok: true; data: z.infer<S> } | { ok: false; fieldErrors: FieldErrors; values: Record<string, string> } {
  const raw = Object.fromEntries(
    [...formData.entries()].filter(([, v]) => typeof v === "string") as [string, string][],
  );
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, data: result.data };
  const fieldErrors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const key = issue.path.join(".") || "form";
    fieldErrors[key] ??= issue.message;
  }
  const values = Object.fromEntries(Object.entries(raw).filter(([k]) => !/password/i.test(k)));
  return { ok: false, fieldErrors, values };
}

export function badRequest<T>(body: T, status = 400) {
  return data(body, { status });
}
