-- Webhook bodies with a valid Stripe signature that are not a readable event (bad JSON, wrong shape, NUL bytes):
-- answered 400 and kept byte for byte (bytea, so NULs and invalid UTF-8 survive) for staff to inspect.
CREATE TABLE "rejected_webhooks" (
    "id" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reason" TEXT NOT NULL,
    "rawBody" BYTEA NOT NULL,
    "signatureHeader" TEXT NOT NULL,

    CONSTRAINT "rejected_webhooks_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "rejected_webhooks_receivedAt_idx" ON "rejected_webhooks"("receivedAt");
