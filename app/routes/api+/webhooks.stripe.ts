import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveWebhook } from "#app/webhooks/receive.server.ts";
import { BODY_LIMITS } from "#app/utils/body-limits.ts";
import { clientIp } from "#app/utils/client-address.ts";

// The HTTP server caps the body before this runs; the route holds to the same limit when called on its own.
const MAX_BODY_BYTES = BODY_LIMITS.webhook;

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return Response.json({ error: "Method not allowed" }, { status: 405 });
  const length = Number(request.headers.get("content-length") ?? 0);
  if (length > MAX_BODY_BYTES) return Response.json({ error: "Payload too large" }, { status: 413 });
  // The signature covers the exact bytes Stripe sent: read the raw body before anything parses it.
  const rawBody = await request.text();
  if (rawBody.length > MAX_BODY_BYTES) return Response.json({ error: "Payload too large" }, { status: 413 });
  const outcome = await receiveWebhook(rawBody, request.headers.get("stripe-signature"), {
    address: clientIp(request),
  });
  return Response.json(outcome.body, { status: outcome.status });
}

export function loader() {
  return Response.json({ error: "Stripe webhooks are POSTed here." }, { status: 405 });
}
