// Staff refund: fill in → preview who gives back what → confirm. Nothing happens before the confirmation.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import type { ReactNode } from "react";
import { z } from "zod";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { FormError, Notice } from "#app/components/forms.tsx";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { domainErrorResponse } from "#app/domain/error-responses.server.ts";
import { formatDecimal, formatMoney, minorUnitDigits, parseMinorUnits, parseMoney } from "#app/domain/money.ts";
import { REFUND_REASONS } from "#app/domain/refund-reasons.ts";
import { previewRefund, refundOrder } from "#app/domain/refunds.server.ts";
import { refundForm } from "#app/domain/staff-orders.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { parseForm } from "#app/utils/forms.server.ts";

export const meta: MetaFunction = () => [{ title: "Refund · Staff · Makers Market" }];

const reasons = Object.keys(REFUND_REASONS) as [keyof typeof REFUND_REASONS, ...(keyof typeof REFUND_REASONS)[]];
const checkbox = z.preprocess((v) => v === "on" || v === "true", z.boolean());
const formSchema = z.object({
  amount: z.string().trim().min(1, "Enter an amount"),
  reason: z.enum(reasons, { errorMap: () => ({ message: "Choose a reason" }) }),
  note: z.string().trim().max(500, "Use at most 500 characters").optional().default(""),
  reverseTransfer: checkbox,
  refundApplicationFee: checkbox,
});

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request, { role: "STAFF" });
  const refund = await refundForm(params.orderId!);
  if (!refund) throw new Response("That order doesn't exist.", { status: 404 });
  const { order, remainder, blocked } = refund;
  const url = new URL(request.url);
  const base = { ...refund, requestKey: crypto.randomUUID() };
  if (!url.searchParams.has("amount") || blocked)
    return { ...base, form: null, errors: {} as Record<string, string>, preview: null };

  const parsed = formSchema.safeParse({
    ...Object.fromEntries(url.searchParams),
    reverseTransfer: url.searchParams.get("reverseTransfer") ?? "false",
    refundApplicationFee: url.searchParams.get("refundApplicationFee") ?? "false",
  });
  const errors: Record<string, string> = {};
  if (!parsed.success) for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
  const form = parsed.success ? parsed.data : null;
  let amount: number | null = null;
  if (form) {
    const money = parseMoney(form.amount, order.currency);
    if (!money.ok) errors.amount = money.error;
    else if (money.amount > remainder)
      errors.amount = `At most ${formatMoney(remainder, order.currency)} remains refundable.`;
    else amount = money.amount;
  }
  if (!form || amount === null) return { ...base, form: Object.fromEntries(url.searchParams), errors, preview: null };
  const preview = await previewRefund({
    orderId: order.id,
    amount,
    reverseTransfer: form.reverseTransfer,
    refundApplicationFee: form.refundApplicationFee,
  });
  return {
    ...base,
    form: Object.fromEntries(url.searchParams),
    errors,
    preview: {
      amount,
      reason: form.reason,
      note: form.note,
      reverseTransfer: form.reverseTransfer,
      refundApplicationFee: form.refundApplicationFee,
      split: preview.split,
      stripeFeeNotReturned: preview.stripeFeeNotReturned,
      creatorBalance: preview.creatorBalance,
      balanceError: preview.balanceError,
      balanceCovers: preview.balanceCovers,
      revokesAccess: preview.revokesAccess,
    },
  };
}

/** An amount in minor units from a hidden field of the preview: digits only ("0x10", "1e3" and " 16" are not 16). */
const minorUnits = z.string().transform((text, ctx) => {
  const amount = parseMinorUnits(text);
  if (amount === null) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: "The refund amount is not a valid amount. Start again from the order page.",
    });
    return z.NEVER;
  }
  return amount;
});

const confirmSchema = z.object({
  amount: minorUnits.pipe(z.number().positive("Enter an amount greater than zero.")),
  reason: z.enum(reasons),
  note: z.string().max(500).optional().default(""),
  reverseTransfer: z.enum(["true", "false"]).transform((v) => v === "true"),
  refundApplicationFee: z.enum(["true", "false"]).transform((v) => v === "true"),
  balancePolicy: z.enum(["reverse_anyway", "platform_absorbs"]).optional(),
  expectedRefunded: minorUnits,
  requestKey: z.string().uuid(),
});

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, { role: "STAFF" });
  const parsed = parseForm(await request.formData(), confirmSchema);
  if (!parsed.ok) {
    const amountError = parsed.fieldErrors.amount;
    if (amountError) return data({ error: amountError, fieldErrors: { amount: amountError } }, { status: 400 });
    return data({ error: "The refund form was incomplete. Start again from the order page." }, { status: 400 });
  }
  try {
    await refundOrder({ orderId: params.orderId!, ...parsed.data, actor: actorFromRequest(request, user.id) });
  } catch (error) {
    return domainErrorResponse(error, (refusal) => ({ error: refusal.message }), { stripeStatus: 502 });
  }
  return redirect(`/staff/orders/${params.orderId}?refunded=1`, 303);
}

/** One "who pays for it" checkbox: ticked until the form comes back with it unticked. */
function PayerOption({
  name,
  form,
  title,
  children,
}: {
  name: "reverseTransfer" | "refundApplicationFee";
  form: Record<string, string> | null;
  title: string;
  children: ReactNode;
}) {
  return (
    <label className="flex items-start gap-2">
      <input type="checkbox" name={name} value="true" defaultChecked={form ? form[name] === "true" : true} />
      <span>
        <strong>{title}</strong> — {children}
      </span>
    </label>
  );
}

export default function RefundPage() {
  const { order, remainder, blocked, form, errors, preview, requestKey } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const money = (amount: number) => formatMoney(amount, order.currency);
  const confirming = navigation.state !== "idle" && navigation.formMethod?.toUpperCase() === "POST";
  const step = 1 / 10 ** minorUnitDigits(order.currency);
  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <div>
        <Link to={`/staff/orders/${order.id}`} className="text-sm text-slate-500 hover:text-slate-900">
          ← Order #{order.number}
        </Link>
        <h1 className="mt-2 text-2xl font-bold">Refund order #{order.number}</h1>
        <p className="mt-1 text-sm text-slate-600">
          {order.items.join(", ")} · sold by {order.creator} · paid {money(order.totalAmount)} · refunded so far{" "}
          {money(order.refundedAmount)} · <strong>{money(remainder)} refundable</strong>
        </p>
      </div>
      <FormError message={actionData?.error} />
      {blocked ? (
        <Notice tone="warning">{blocked}</Notice>
      ) : (
        <Form method="get" className="card space-y-4" data-testid="refund-form">
          <div>
            <label htmlFor="amount" className="label">
              Amount to refund ({order.currency.toUpperCase()})
            </label>
            <input
              id="amount"
              name="amount"
              className={`input ${errors.amount ? "border-red-500" : ""}`}
              inputMode="decimal"
              step={step}
              defaultValue={form?.amount ?? formatDecimal(remainder, order.currency)}
              aria-invalid={errors.amount ? true : undefined}
              aria-describedby={errors.amount ? "amount-error" : undefined}
            />
            {errors.amount ? (
              <p id="amount-error" role="alert" className="mt-1 text-sm text-red-600">
                {errors.amount}
              </p>
            ) : null}
          </div>
          <div className="grid gap-4 sm:grid-cols-2">
            <div>
              <label htmlFor="reason" className="label">
                Reason
              </label>
              <select
                id="reason"
                name="reason"
                className="input"
                defaultValue={form?.reason ?? "requested_by_customer"}
              >
                {Object.entries(REFUND_REASONS).map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label htmlFor="note" className="label">
                Staff note (optional, only staff see it)
              </label>
              <input id="note" name="note" className="input" maxLength={500} defaultValue={form?.note ?? ""} />
            </div>
          </div>
          <fieldset className="space-y-2 text-sm">
            <legend className="label">Who pays for it</legend>
            <PayerOption name="reverseTransfer" form={form} title="Take it back from the creator">
              reverse their transfer in proportion to the refund
            </PayerOption>
            <PayerOption name="refundApplicationFee" form={form} title="Return our platform fee">
              refund the application fee in proportion
            </PayerOption>
          </fieldset>
          <button type="submit" className="btn-secondary">
            Preview refund
          </button>
        </Form>
      )}

      {preview && !blocked ? (
        <Form method="post" className="card space-y-4 border-brand-200" data-testid="refund-preview">
          <h2 className="text-lg font-semibold">Before you confirm</h2>
          <table className="w-full text-sm">
            <tbody className="divide-y divide-slate-100">
              <tr>
                <td className="py-2">The buyer receives</td>
                <td className="py-2 text-right font-semibold" data-testid="preview-buyer">
                  {money(preview.split.buyerReceives)}
                </td>
              </tr>
              <tr>
                <td className="py-2">Reversed from the creator's transfer</td>
                <td className="py-2 text-right">{money(preview.split.transferReversal)}</td>
              </tr>
              <tr>
                <td className="py-2">Platform fee returned to the creator</td>
                <td className="py-2 text-right">{money(preview.split.applicationFeeRefund)}</td>
              </tr>
              <tr>
                <td className="py-2">Creator gives back, net</td>
                <td className="py-2 text-right">{money(preview.split.creatorGivesBack)}</td>
              </tr>
              <tr>
                <td className="py-2">Platform gives back, net</td>
                <td className="py-2 text-right">{money(preview.split.platformGivesBack)}</td>
              </tr>
              <tr>
                <td className="py-2 text-slate-500">Stripe's processing fee on this order (not returned by Stripe)</td>
                <td className="py-2 text-right text-slate-500">{money(preview.stripeFeeNotReturned)}</td>
              </tr>
              <tr>
                <td className="py-2 text-slate-500">Creator's balance on Stripe right now</td>
                <td className="py-2 text-right text-slate-500">
                  {preview.creatorBalance === null ? (preview.balanceError ?? "—") : money(preview.creatorBalance)}
                </td>
              </tr>
            </tbody>
          </table>
          {preview.revokesAccess ? (
            <Notice tone="warning">
              This refunds the whole order: the buyer loses access to the product once Stripe confirms.
            </Notice>
          ) : (
            <Notice>This is a partial refund: the buyer keeps access to the product.</Notice>
          )}
          {preview.balanceCovers === false && preview.reverseTransfer ? (
            <fieldset className="space-y-2 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm">
              <legend className="px-1 font-semibold text-amber-900">
                The creator's balance can't cover the reversal
              </legend>
              <label className="flex items-start gap-2">
                <input type="radio" name="balancePolicy" value="reverse_anyway" required />
                <span>
                  Reverse anyway — the creator's balance goes negative and Stripe recovers it from their future sales or
                  bank.
                </span>
              </label>
              <label className="flex items-start gap-2">
                <input type="radio" name="balancePolicy" value="platform_absorbs" />
                <span>The platform absorbs it — no reversal; the platform pays the refund from its own balance.</span>
              </label>
            </fieldset>
          ) : null}
          <input type="hidden" name="amount" value={preview.amount} />
          <input type="hidden" name="reason" value={preview.reason} />
          <input type="hidden" name="note" value={preview.note} />
          <input type="hidden" name="reverseTransfer" value={String(preview.reverseTransfer)} />
          <input type="hidden" name="refundApplicationFee" value={String(preview.refundApplicationFee)} />
          <input type="hidden" name="expectedRefunded" value={order.refundedAmount} />
          <input type="hidden" name="requestKey" value={requestKey} />
          <button type="submit" className="btn-danger" disabled={confirming} data-testid="confirm-refund">
            {confirming ? "Refunding…" : `Confirm refund of ${money(preview.amount)}`}
          </button>
        </Form>
      ) : null}
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
