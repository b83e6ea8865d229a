// Staff recover a lost dispute's amount from the creator by reversing their transfer — an explicit, confirmed step.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { FormError, Notice } from "#app/components/forms.tsx";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { recoverDisputeLoss } from "#app/domain/disputes.server.ts";
import { domainErrorResponse } from "#app/domain/error-responses.server.ts";
import { formatMoney } from "#app/domain/money.ts";
import { disputeRecovery } from "#app/domain/staff-orders.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Recover a lost dispute · Staff · Makers Market" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request, { role: "STAFF" });
  const recovery = await disputeRecovery(params.disputeId!);
  if (!recovery) throw new Response("That dispute doesn't exist.", { status: 404 });
  return recovery;
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, { role: "STAFF" });
  const form = await request.formData();
  if (form.get("confirm") !== "yes") return data({ error: "Tick the box to confirm the reversal." }, { status: 400 });
  try {
    const dispute = await recoverDisputeLoss({
      disputeId: params.disputeId!,
      actor: actorFromRequest(request, user.id),
    });
    return redirect(`/staff/orders/${dispute.orderId}?recovered=1`, 303);
  } catch (error) {
    return domainErrorResponse(error, (refusal) => ({ error: refusal.message }), { stripeStatus: 502 });
  }
}

export default function RecoverDispute() {
  const { dispute, recoverable } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const money = (amount: number) => formatMoney(amount, dispute.currency);
  return (
    <div className="mx-auto max-w-lg">
      <Link to={`/staff/orders/${dispute.orderId}`} className="text-sm text-slate-500 hover:text-slate-900">
        ← Order #{dispute.orderNumber}
      </Link>
      <div className="card mt-3 space-y-4">
        <h1 className="text-xl font-bold">Recover a lost dispute from the creator</h1>
        <p className="text-sm text-slate-600">
          The buyer's bank took back {money(dispute.amount)} ({dispute.reason.replace(/_/g, " ")}). Already recovered:{" "}
          {money(dispute.recoveredAmount)}.
        </p>
        <FormError message={actionData?.error} />
        {dispute.outcome !== "LOST" ? (
          <Notice tone="warning">
            Only a lost dispute can be recovered. This one is {dispute.outcome.toLowerCase()}.
          </Notice>
        ) : recoverable === 0 ? (
          <Notice>Nothing left to recover on this dispute.</Notice>
        ) : (
          <Form method="post" className="space-y-4">
            <Notice tone="warning">
              This reverses {money(recoverable)} of {dispute.creator}'s transfer. Their Stripe balance can go negative.
            </Notice>
            <label className="flex items-start gap-2 text-sm">
              <input type="checkbox" name="confirm" value="yes" required />
              <span>
                I confirm: take {money(recoverable)} back from {dispute.creator}.
              </span>
            </label>
            <button type="submit" className="btn-danger" disabled={navigation.state !== "idle"}>
              {navigation.state !== "idle" ? "Reversing…" : `Reverse ${money(recoverable)}`}
            </button>
          </Form>
        )}
      </div>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
