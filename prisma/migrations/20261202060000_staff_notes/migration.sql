-- Staff's free-text refund notes get a column of their own, which no buyer- or creator-facing query selects; "reason"
-- keeps only the reason code. Until now a note was appended to the code ("duplicate: <note>") and refunds made in
-- Stripe's dashboard read "made in Stripe: <Stripe's reason>".
ALTER TABLE "refunds" ADD COLUMN "staffNote" TEXT;

-- Refunds made in Stripe's dashboard: Stripe's own reason when it is one of ours, else "other".
UPDATE "refunds"
SET "staffNote" = 'Made in Stripe''s dashboard',
    "reason" = CASE
      WHEN substr("reason", 17) IN ('requested_by_customer', 'duplicate', 'fraudulent') THEN substr("reason", 17)
      ELSE 'other'
    END
WHERE "reason" LIKE 'made in Stripe: %';

-- "<code>: <note>": the note is everything after the first colon (a note may hold colons of its own).
UPDATE "refunds"
SET "staffNote" = NULLIF(btrim(substr("reason", strpos("reason", ':') + 1)), ''),
    "reason" = split_part("reason", ':', 1)
WHERE strpos("reason", ':') > 0
  AND split_part("reason", ':', 1) IN ('requested_by_customer', 'duplicate', 'fraudulent', 'other');

-- Anything else is free text that was never a code: keep it as the note.
UPDATE "refunds"
SET "staffNote" = "reason",
    "reason" = 'other'
WHERE "reason" NOT IN ('requested_by_customer', 'duplicate', 'fraudulent', 'other');
