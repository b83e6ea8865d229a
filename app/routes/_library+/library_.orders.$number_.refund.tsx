// A buyer asks for a refund on one of their orders; staff decide.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { FormError } from "#app/components/forms.tsx";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { domainErrorResponse } from "#app/domain/error-responses.server.ts";
import { formatMoney } from "#app/domain/money.ts";
import { buyerReceipt, parseOrderNumber } from "#app/domain/orders.server.ts";
import { requestRefund } from "#app/domain/refund-requests.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { parseForm } from "#app/utils/forms.server.ts";

export const meta: MetaFunction = () => [{ title: "Request a refund · Makers Market" }];

async function ownOrder(request: Request, number: string | undefined) {
  const user = await requireUser(request);
  const orderNumber = parseOrderNumber(number);
  const order = orderNumber === null ? null : await buyerReceipt({ buyerId: user.id, orderNumber });
  if (!order) throw new Response("We couldn't find that order.", { status: 404 });
  return { user, order };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { order } = await ownOrder(request, params.number);
  return {
    order: {
      number: order.number,
      total: formatMoney(order.totalAmount, order.currency),
      items: order.items.map((i) => i.title),
    },
  };
}

const schema = z.object({
  reason: z
    .string({ required_error: "Tell us what went wrong" })
    .trim()
    .min(10, "Tell us a little more (at least 10 characters)")
    .max(1000, "Use at most 1000 characters"),
});

export async function action({ request, params }: ActionFunctionArgs) {
  const { user, order } = await ownOrder(request, params.number);
  const parsed = parseForm(await request.formData(), schema);
  if (!parsed.ok) return data({ error: Object.values(parsed.fieldErrors)[0]! }, { status: 400 });
  try {
    await requestRefund({
      buyerId: user.id,
      orderNumber: order.number,
      reason: parsed.data.reason,
      actor: actorFromRequest(request, user.id),
    });
  } catch (error) {
    return domainErrorResponse(error, (refusal) => ({ error: refusal.message }));
  }
  return redirect(`/library/orders/${order.number}?requested=1`, 303);
}

export default function RequestRefund() {
  const { order } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  return (
    <div className="mx-auto max-w-lg">
      <Link to={`/library/orders/${order.number}`} className="text-sm text-slate-500 hover:text-slate-900">
        ← Receipt #{order.number}
      </Link>
      <Form method="post" className="card mt-3 space-y-4">
        <h1 className="text-xl font-bold">Request a refund</h1>
        <p className="text-sm text-slate-600">
          Order #{order.number} · {order.items.join(", ")} · {order.total}. Our team reviews every request, usually
          within a day. If it's approved, the money goes back to your card and the product leaves your library.
        </p>
        <FormError message={actionData?.error} />
        <div>
          <label htmlFor="reason" className="label">
            What went wrong?
          </label>
          <textarea id="reason" name="reason" rows={4} className="input" required minLength={10} maxLength={1000} />
        </div>
        <button type="submit" className="btn-primary" disabled={navigation.state !== "idle"}>
          {navigation.state !== "idle" ? "Sending…" : "Send request"}
        </button>
      </Form>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
