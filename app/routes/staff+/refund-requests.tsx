import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { EmptyState, FormError, Notice } from "#app/components/forms.tsx";
import { Pagination } from "#app/components/pagination.tsx";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { domainErrorResponse } from "#app/domain/error-responses.server.ts";
import { formatMoney } from "#app/domain/money.ts";
import { approveRefundRequest, declineRefundRequest, listRefundRequests } from "#app/domain/refund-requests.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { parseForm } from "#app/utils/forms.server.ts";
import { pageFrom } from "#app/utils/paging.ts";

export const meta: MetaFunction = () => [{ title: "Refund requests · Staff · Makers Market" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { role: "STAFF" });
  const page = pageFrom(new URL(request.url).searchParams);
  return listRefundRequests({ page });
}

const decisionSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("approve"), requestId: z.string().min(1) }),
  z.object({
    intent: z.literal("decline"),
    requestId: z.string().min(1),
    message: z.string().trim().min(1, "Write a short message to the buyer").max(1000, "Use at most 1000 characters"),
  }),
]);

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { role: "STAFF" });
  const parsed = parseForm(await request.formData(), decisionSchema);
  if (!parsed.ok)
    return data(
      { error: Object.values(parsed.fieldErrors)[0] ?? "Invalid decision", requestId: null },
      { status: 400 },
    );
  const actor = actorFromRequest(request, user.id);
  try {
    if (parsed.data.intent === "approve") await approveRefundRequest({ requestId: parsed.data.requestId, actor });
    else await declineRefundRequest({ requestId: parsed.data.requestId, message: parsed.data.message, actor });
  } catch (error) {
    return domainErrorResponse(error, (refusal) => ({ error: refusal.message, requestId: parsed.data.requestId }), {
      stripeStatus: 409,
    });
  }
  return redirect(`/staff/refund-requests?done=${parsed.data.intent}`, 303);
}

const BADGE = {
  OPEN: "bg-amber-100 text-amber-800",
  APPROVED: "bg-emerald-100 text-emerald-800",
  DECLINED: "bg-slate-100 text-slate-700",
};

export default function RefundRequests() {
  const { requests, page, pageCount, total } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [searchParams] = useSearchParams();
  const busy = navigation.state !== "idle";
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-bold">Refund requests</h1>
        <p className="mt-1 text-sm text-slate-600">{total} in all · open requests first</p>
      </div>
      {searchParams.get("done") === "approve" ? (
        <Notice tone="success">Refund started. Stripe confirms it in a moment.</Notice>
      ) : null}
      {searchParams.get("done") === "decline" ? <Notice>Request declined; the buyer sees your message.</Notice> : null}
      <FormError message={actionData?.error} />
      {requests.length === 0 ? (
        <EmptyState title="No refund requests">
          When buyers ask for a refund from their library, it shows up here.
        </EmptyState>
      ) : (
        <ul className="space-y-3">
          {requests.map((r) => (
            <li key={r.id} className="card space-y-3 p-4" data-testid="refund-request">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <div>
                  <Link to={`/staff/orders/${r.order.id}`} className="font-semibold hover:underline">
                    Order #{r.order.number}
                  </Link>{" "}
                  <span className="text-sm text-slate-500">
                    · {r.order.items.map((i) => i.productTitle).join(", ")} · {r.order.creator.displayName} ·{" "}
                    {formatMoney(r.order.totalAmount, r.order.currency)}
                  </span>
                </div>
                <span className={`rounded-full px-3 py-1 text-xs font-semibold ${BADGE[r.status]}`}>
                  {r.status.toLowerCase()}
                </span>
              </div>
              <p className="text-sm">
                <span className="text-slate-500">
                  {r.buyer.name} ({r.buyer.email}) wrote:
                </span>{" "}
                “{r.reason}”
              </p>
              {r.staffMessage ? <p className="text-sm text-slate-600">Reply: {r.staffMessage}</p> : null}
              {r.status === "OPEN" ? (
                <div className="flex flex-wrap items-end gap-3">
                  <Form method="post">
                    <input type="hidden" name="intent" value="approve" />
                    <input type="hidden" name="requestId" value={r.id} />
                    <button
                      type="submit"
                      className="btn-primary"
                      disabled={busy}
                      onClick={(e) => {
                        const amount = formatMoney(r.order.totalAmount - r.order.refundedAmount, r.order.currency);
                        if (
                          !confirm(
                            `Refund ${amount} to ${r.buyer.email}? The creator's transfer and our fee are reversed in proportion.`,
                          )
                        )
                          e.preventDefault();
                      }}
                    >
                      Approve and refund {formatMoney(r.order.totalAmount - r.order.refundedAmount, r.order.currency)}
                    </button>
                  </Form>
                  <Form method="post" className="flex flex-1 flex-wrap items-end gap-2">
                    <input type="hidden" name="intent" value="decline" />
                    <input type="hidden" name="requestId" value={r.id} />
                    <label className="flex-1">
                      <span className="sr-only">Message to the buyer</span>
                      <input
                        name="message"
                        className="input"
                        placeholder="Message to the buyer (why it's declined)"
                        required
                        maxLength={1000}
                      />
                    </label>
                    <button type="submit" className="btn-secondary" disabled={busy}>
                      Decline
                    </button>
                  </Form>
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <Pagination page={page} pageCount={pageCount} />
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
