import { Form, useNavigation } from "@remix-run/react";
import { useId, type ReactNode } from "react";
import { Field, FormError } from "#app/components/forms.tsx";
import { ProductCover } from "#app/components/product-card.tsx";

export const CURRENCY_OPTIONS = [
  { value: "usd", label: "USD — US dollar" },
  { value: "eur", label: "EUR — euro" },
  { value: "gbp", label: "GBP — British pound" },
  { value: "jpy", label: "JPY — Japanese yen" },
  { value: "cad", label: "CAD — Canadian dollar" },
  { value: "aud", label: "AUD — Australian dollar" },
];

export interface ProductFormValues {
  title?: string;
  slug?: string;
  description?: string;
  price?: string;
  currency?: string;
}

export interface ProductFormFiles {
  coverUrl: string | null;
  title: string;
  deliverable: { name: string; size: string } | null;
}

function ErrorText({ id, error }: { id: string; error?: string }) {
  if (!error) return null;
  return (
    <p id={id} className="mt-1 text-sm text-red-600" role="alert">
      {error}
    </p>
  );
}

function FileField({
  label,
  name,
  accept,
  hint,
  error,
  current,
}: {
  label: string;
  name: string;
  accept: string;
  hint: string;
  error?: string;
  current?: ReactNode;
}) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className="label">
        {label}
      </label>
      {current}
      <input
        id={id}
        name={name}
        type="file"
        accept={accept}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : `${id}-hint`}
        className={`block w-full rounded-lg border bg-white text-sm text-slate-700 file:mr-3 file:border-0 file:bg-slate-100 file:px-3 file:py-2 file:font-medium file:text-slate-800 hover:file:bg-slate-200 ${error ? "border-red-500" : "border-slate-300"}`}
      />
      {error ? (
        <ErrorText id={`${id}-error`} error={error} />
      ) : (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      )}
    </div>
  );
}

/** The create/edit form: text fields, price and currency, cover image and the deliverable file (multipart). */
export function ProductForm({
  values,
  errors,
  formError,
  files,
  submitLabel,
  busyLabel,
  accept,
}: {
  values: ProductFormValues;
  errors: Record<string, string | undefined>;
  formError?: string | null;
  files?: ProductFormFiles;
  submitLabel: string;
  busyLabel: string;
  accept: { cover: string; deliverable: string; coverHint: string; deliverableHint: string };
}) {
  const navigation = useNavigation();
  const busy = navigation.state === "submitting" && navigation.formData?.get("intent") === "save";
  const descriptionId = useId();
  const currencyId = useId();
  return (
    <Form method="post" encType="multipart/form-data" className="space-y-5" noValidate>
      <FormError message={formError} />
      <Field label="Title" name="title" defaultValue={values.title} error={errors.title} maxLength={120} required />
      <Field
        label="Slug"
        name="slug"
        defaultValue={values.slug}
        error={errors.slug}
        maxLength={80}
        placeholder="generated-from-the-title"
        hint="The end of the product's address, /p/your-slug. Lowercase letters, digits and dashes; leave blank to use the title."
      />
      <div>
        <label htmlFor={descriptionId} className="label">
          Description
        </label>
        <textarea
          id={descriptionId}
          name="description"
          rows={6}
          maxLength={5000}
          defaultValue={values.description}
          aria-invalid={errors.description ? true : undefined}
          className={`input ${errors.description ? "border-red-500" : ""}`}
        />
        {errors.description ? (
          <ErrorText id={`${descriptionId}-error`} error={errors.description} />
        ) : (
          <p className="mt-1 text-xs text-slate-500">Plain text; line breaks are kept.</p>
        )}
      </div>
      <div className="grid gap-4 sm:grid-cols-[1fr_14rem]">
        <Field
          label="Price"
          name="price"
          inputMode="decimal"
          defaultValue={values.price}
          error={errors.price}
          placeholder="12.00"
          hint="In the chosen currency, e.g. 12.00 (or 1500 for yen)."
          required
        />
        <div>
          <label htmlFor={currencyId} className="label">
            Currency
          </label>
          <select
            id={currencyId}
            name="currency"
            defaultValue={values.currency ?? "usd"}
            aria-invalid={errors.currency ? true : undefined}
            className={`input ${errors.currency ? "border-red-500" : ""}`}
          >
            {CURRENCY_OPTIONS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
          <ErrorText id={`${currencyId}-error`} error={errors.currency} />
        </div>
      </div>
      <div className="grid gap-5 sm:grid-cols-2">
        <FileField
          label="Cover image"
          name="cover"
          accept={accept.cover}
          hint={accept.coverHint}
          error={errors.cover}
          current={
            files?.coverUrl ? (
              <div className="mb-2 w-40">
                <ProductCover title={files.title} coverUrl={files.coverUrl} />
                <p className="mt-1 text-xs text-slate-500">Current cover; choose a file to replace it.</p>
              </div>
            ) : null
          }
        />
        <FileField
          label="Product file"
          name="deliverable"
          accept={accept.deliverable}
          hint={accept.deliverableHint}
          error={errors.deliverable}
          current={
            files?.deliverable ? (
              <p className="mb-2 rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-700" data-testid="current-file">
                Current file: <span className="font-medium">{files.deliverable.name}</span>{" "}
                <span className="text-slate-500">({files.deliverable.size})</span>
              </p>
            ) : null
          }
        />
      </div>
      <div className="flex flex-wrap items-center gap-3 border-t border-slate-100 pt-5">
        <input type="hidden" name="intent" value="save" />
        <button type="submit" className="btn-primary" disabled={busy}>
          {busy ? busyLabel : submitLabel}
        </button>
        {busy ? <span className="text-sm text-slate-500">Uploading files can take a moment…</span> : null}
      </div>
    </Form>
  );
}
