import { Form, useNavigation } from "@remix-run/react";
import { useId, useState, type ReactNode } from "react";
import { Field, FormError, Notice } from "#app/components/forms.tsx";
import { ProductCover } from "#app/components/product-card.tsx";
import { parseMoney } from "#app/domain/money.ts";
import { yearlySavingPercent } from "#app/utils/format.ts";

export const CURRENCY_OPTIONS = [
  { value: "usd", label: "USD — US dollar" },
  { value: "eur", label: "EUR — euro" },
  { value: "gbp", label: "GBP — British pound" },
  { value: "jpy", label: "JPY — Japanese yen" },
  { value: "cad", label: "CAD — Canadian dollar" },
  { value: "aud", label: "AUD — Australian dollar" },
];

export type ProductKindValue = "DOWNLOAD" | "MEMBERSHIP";

export const KIND_WORDS: Record<ProductKindValue, { label: string; hint: string }> = {
  DOWNLOAD: { label: "One-time download", hint: "Buyers pay once and download your file." },
  MEMBERSHIP: { label: "Membership", hint: "Members pay monthly or yearly until they cancel." },
};

export interface ProductFormValues {
  kind?: string;
  title?: string;
  slug?: string;
  description?: string;
  price?: string;
  monthlyPrice?: string;
  yearlyPrice?: string;
  trialDays?: string;
  currency?: string;
}

/** "Members save 17% with yearly" while both typed prices are valid and the yearly one is cheaper. */
function savingHint(monthly: string, yearly: string, currency: string) {
  const m = parseMoney(monthly, currency);
  const y = parseMoney(yearly, currency);
  if (!m.ok || !y.ok) return null;
  const saving = yearlySavingPercent(m.amount, y.amount);
  return saving ? `Members save ${saving}% with yearly` : null;
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

/** "One-time download" or "Membership": radio cards when creating, a fixed line (and hidden field) when editing. */
function KindChoice({
  kind,
  fixed,
  error,
  onChange,
}: {
  kind: ProductKindValue;
  fixed: boolean;
  error?: string;
  onChange: (kind: ProductKindValue) => void;
}) {
  const id = useId();
  if (fixed)
    return (
      <div>
        <input type="hidden" name="kind" value={kind} />
        <p className="label">Kind</p>
        <p className="text-sm text-slate-700" data-testid="product-kind">
          <span className="font-medium">{KIND_WORDS[kind].label}</span>{" "}
          <span className="text-slate-500">— {KIND_WORDS[kind].hint} The kind can't change after creation.</span>
        </p>
      </div>
    );
  return (
    <fieldset aria-describedby={error ? `${id}-error` : undefined}>
      <legend className="label">What are you selling?</legend>
      <div className="grid gap-3 sm:grid-cols-2">
        {(Object.keys(KIND_WORDS) as ProductKindValue[]).map((value) => (
          <label
            key={value}
            className={`flex cursor-pointer gap-3 rounded-lg border px-4 py-3 ${kind === value ? "border-brand-500 bg-brand-50/60 ring-1 ring-brand-500" : "border-slate-300 bg-white hover:border-slate-400"}`}
          >
            <input
              type="radio"
              name="kind"
              value={value}
              checked={kind === value}
              onChange={() => onChange(value)}
              className="mt-1 accent-brand-600"
            />
            <span>
              <span className="block text-sm font-semibold text-slate-900">{KIND_WORDS[value].label}</span>
              <span className="block text-xs text-slate-600">{KIND_WORDS[value].hint}</span>
            </span>
          </label>
        ))}
      </div>
      <ErrorText id={`${id}-error`} error={error} />
    </fieldset>
  );
}

/** The create/edit form: kind, text fields, price(s) and currency, cover image and the deliverable file (multipart). */
export function ProductForm({
  values,
  errors,
  formError,
  files,
  fixedKind,
  submitLabel,
  busyLabel,
  accept,
}: {
  values: ProductFormValues;
  errors: Record<string, string | undefined>;
  formError?: string | null;
  files?: ProductFormFiles;
  /** Editing: the product's kind, which can't change. */
  fixedKind?: ProductKindValue;
  submitLabel: string;
  busyLabel: string;
  accept: { cover: string; deliverable: string; coverHint: string; deliverableHint: string };
}) {
  const navigation = useNavigation();
  const busy = navigation.state === "submitting" && navigation.formData?.get("intent") === "save";
  const descriptionId = useId();
  const currencyId = useId();
  const [kind, setKind] = useState<ProductKindValue>(
    fixedKind ?? (values.kind === "MEMBERSHIP" ? "MEMBERSHIP" : "DOWNLOAD"),
  );
  const [currency, setCurrency] = useState(values.currency ?? "usd");
  const [monthly, setMonthly] = useState(values.monthlyPrice ?? "");
  const [yearly, setYearly] = useState(values.yearlyPrice ?? "");
  const saving = kind === "MEMBERSHIP" ? savingHint(monthly, yearly, currency) : null;
  const currencySelect = (
    <div>
      <label htmlFor={currencyId} className="label">
        Currency
      </label>
      <select
        id={currencyId}
        name="currency"
        value={currency}
        onChange={(event) => setCurrency(event.target.value)}
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
  );
  return (
    <Form method="post" encType="multipart/form-data" className="space-y-5" noValidate>
      <FormError message={formError} />
      <KindChoice kind={kind} fixed={Boolean(fixedKind)} error={errors.kind} onChange={setKind} />
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
      {kind === "DOWNLOAD" ? (
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
          {currencySelect}
        </div>
      ) : (
        <fieldset className="space-y-4 rounded-lg border border-slate-200 bg-slate-50/60 p-4">
          <legend className="px-1 text-sm font-semibold text-slate-900">Membership pricing</legend>
          <div className="grid gap-4 sm:grid-cols-[1fr_1fr_14rem]">
            <Field
              label="Monthly price"
              name="monthlyPrice"
              inputMode="decimal"
              value={monthly}
              onChange={(event) => setMonthly(event.target.value)}
              error={errors.monthlyPrice}
              placeholder="10.00"
              hint="Charged every month."
            />
            <Field
              label="Yearly price"
              name="yearlyPrice"
              inputMode="decimal"
              value={yearly}
              onChange={(event) => setYearly(event.target.value)}
              error={errors.yearlyPrice}
              placeholder="100.00"
              hint="Charged every year."
            />
            {currencySelect}
          </div>
          <p className="text-xs text-slate-500" data-testid="membership-price-hint">
            Set a monthly price, a yearly price or both.{" "}
            {saving ? <span className="font-medium text-emerald-700">{saving}.</span> : null}
          </p>
          <div className="sm:w-72">
            <Field
              label="Free trial (days)"
              name="trialDays"
              inputMode="numeric"
              defaultValue={values.trialDays}
              error={errors.trialDays}
              placeholder="0"
              hint="Blank or 0 for no trial; at most 730 days."
            />
          </div>
          {fixedKind ? (
            <Notice>
              Existing members keep the price they signed up with. New prices and a new trial length apply to new
              members only.
            </Notice>
          ) : null}
        </fieldset>
      )}
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
          label={kind === "MEMBERSHIP" ? "Members' file (optional)" : "Product file"}
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
