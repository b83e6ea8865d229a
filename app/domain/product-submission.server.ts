// Reading a product form submission (multipart): the text fields through the product form's schema, the cover and
// the deliverable staged and checked; a refused submission keeps nothing.
import { parseForm, type FieldErrors } from "#app/utils/forms.server.ts";
import { isDomainError } from "./errors.ts";
import { productFormSchema, type ProductInput } from "./product-form.ts";
import { discardStaged, readProductForm, type StagedFile, type UploadKind } from "./uploads.server.ts";

/**
 * Reads and checks a product form (multipart): the fields with `productFormSchema`, the files by size and content.
 * On any problem nothing is kept (staged files are removed) and the field errors come back with the typed values.
 */
export async function parseProductSubmission(
  request: Request,
): Promise<
  | { ok: true; data: ProductInput; files: Partial<Record<UploadKind, StagedFile>> }
  | { ok: false; fieldErrors: FieldErrors; values: Record<string, string>; formError: string | null; status: number }
> {
  let form: Awaited<ReturnType<typeof readProductForm>>;
  try {
    form = await readProductForm(request);
  } catch (error) {
    if (!isDomainError(error, "upload_rejected", "upload_too_large")) throw error;
    const fieldErrors: FieldErrors = error.field ? { [error.field]: error.message } : {};
    return {
      ok: false,
      fieldErrors,
      values: {},
      formError: error.field ? null : error.message,
      status: error.status,
    };
  }
  const parsed = parseForm(form.fields, productFormSchema);
  const fileErrors = Object.fromEntries(Object.entries(form.fileErrors).filter(([, v]) => v)) as FieldErrors;
  if (parsed.ok && Object.keys(fileErrors).length === 0) return { ok: true, data: parsed.data, files: form.files };
  await discardStaged(form.files);
  const values = Object.fromEntries([...form.fields.entries()].filter(([, v]) => typeof v === "string")) as Record<
    string,
    string
  >;
  return {
    ok: false,
    fieldErrors: { ...(parsed.ok ? {} : parsed.fieldErrors), ...fileErrors },
    values,
    formError: null,
    status: 400,
  };
}
