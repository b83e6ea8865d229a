-- AlterTable
ALTER TABLE "disputes" ADD COLUMN     "recoveredById" TEXT,
ADD COLUMN     "stripeRecoveryReversalId" TEXT;

-- AlterTable
ALTER TABLE "refunds" ADD COLUMN     "requestKey" TEXT,
ADD COLUMN     "stripeTransferReversalId" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "refunds_requestKey_key" ON "refunds"("requestKey");

-- A destination charge transfers the whole amount and collects the application fee from the connected account, so
-- transfer reversals can reach the order total (the fee comes back to the creator as an application fee refund).
CREATE OR REPLACE FUNCTION enforce_money_rules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'prices' THEN
    IF NEW."amount" <= 0 THEN RAISE EXCEPTION 'price amount must be positive' USING ERRCODE = 'check_violation'; END IF;
    IF NEW."currency" !~ '^[a-z]{3}$' THEN RAISE EXCEPTION 'currency must be a lowercase ISO code' USING ERRCODE = 'check_violation'; END IF;
  ELSIF TG_TABLE_NAME = 'orders' THEN
    IF NEW."currency" !~ '^[a-z]{3}$' THEN RAISE EXCEPTION 'currency must be a lowercase ISO code' USING ERRCODE = 'check_violation'; END IF;
    IF NEW."totalAmount" < 0 OR NEW."applicationFeeAmount" < 0 OR NEW."applicationFeeAmount" > NEW."totalAmount"
      OR NEW."creatorAmount" <> NEW."totalAmount" - NEW."applicationFeeAmount"
      OR NEW."refundedAmount" < 0 OR NEW."refundedAmount" > NEW."totalAmount"
      OR NEW."applicationFeeRefunded" < 0 OR NEW."applicationFeeRefunded" > NEW."applicationFeeAmount"
      OR NEW."transferReversedAmount" < 0 OR NEW."transferReversedAmount" > NEW."totalAmount" THEN
      RAISE EXCEPTION 'order amounts are inconsistent' USING ERRCODE = 'check_violation';
    END IF;
  ELSIF TG_TABLE_NAME = 'refunds' THEN
    IF NEW."amount" <= 0 OR NEW."transferReversalAmount" < 0 OR NEW."applicationFeeRefundAmount" < 0 THEN
      RAISE EXCEPTION 'refund amounts are invalid' USING ERRCODE = 'check_violation';
    END IF;
  ELSIF TG_TABLE_NAME = 'creator_accounts' THEN
    IF NEW."feeOverrideBps" IS NOT NULL AND (NEW."feeOverrideBps" < 0 OR NEW."feeOverrideBps" > 10000) THEN
      RAISE EXCEPTION 'fee override must be between 0 and 10000 basis points' USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN NEW;
END;
$$;
