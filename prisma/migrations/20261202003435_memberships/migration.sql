-- CreateEnum
CREATE TYPE "ProductKind" AS ENUM ('DOWNLOAD', 'MEMBERSHIP');

-- CreateEnum
CREATE TYPE "BillingInterval" AS ENUM ('MONTH', 'YEAR');

-- CreateEnum
CREATE TYPE "MembershipStatus" AS ENUM ('INCOMPLETE', 'INCOMPLETE_EXPIRED', 'TRIALING', 'ACTIVE', 'PAST_DUE', 'UNPAID', 'PAUSED', 'CANCELED');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "EntitlementStatus" ADD VALUE 'GRACE';
ALTER TYPE "EntitlementStatus" ADD VALUE 'PAUSED';
ALTER TYPE "EntitlementStatus" ADD VALUE 'ENDED';

-- AlterTable
ALTER TABLE "entitlements" ADD COLUMN     "accessEndsAt" TIMESTAMP(3),
ADD COLUMN     "membershipId" TEXT,
ALTER COLUMN "orderId" DROP NOT NULL,
ALTER COLUMN "orderItemId" DROP NOT NULL;

-- AlterTable
ALTER TABLE "orders" ADD COLUMN     "billingReason" TEXT,
ADD COLUMN     "membershipId" TEXT,
ADD COLUMN     "stripeInvoiceId" TEXT;

-- AlterTable
ALTER TABLE "prices" ADD COLUMN     "interval" "BillingInterval";

-- AlterTable
ALTER TABLE "products" ADD COLUMN     "kind" "ProductKind" NOT NULL DEFAULT 'DOWNLOAD',
ADD COLUMN     "stripeProductId" TEXT,
ADD COLUMN     "trialDays" INTEGER;

-- CreateTable
CREATE TABLE "memberships" (
    "id" TEXT NOT NULL,
    "buyerId" TEXT NOT NULL,
    "creatorId" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "priceId" TEXT NOT NULL,
    "checkoutAttemptId" TEXT,
    "stripeSubscriptionId" TEXT NOT NULL,
    "stripeCustomerId" TEXT NOT NULL,
    "status" "MembershipStatus" NOT NULL,
    "amount" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "interval" "BillingInterval" NOT NULL,
    "applicationFeePercent" DECIMAL(6,3),
    "trialEndsAt" TIMESTAMP(3),
    "currentPeriodEnd" TIMESTAMP(3),
    "cancelAtPeriodEnd" BOOLEAN NOT NULL DEFAULT false,
    "cancelAt" TIMESTAMP(3),
    "canceledAt" TIMESTAMP(3),
    "pausedCollection" BOOLEAN NOT NULL DEFAULT false,
    "paymentProblem" TEXT,
    "paymentProblemUrl" TEXT,
    "pastDueSince" TIMESTAMP(3),
    "convertedAt" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),
    "lastSyncedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "memberships_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "memberships_checkoutAttemptId_key" ON "memberships"("checkoutAttemptId");

-- CreateIndex
CREATE UNIQUE INDEX "memberships_stripeSubscriptionId_key" ON "memberships"("stripeSubscriptionId");

-- CreateIndex
CREATE INDEX "memberships_buyerId_status_idx" ON "memberships"("buyerId", "status");

-- CreateIndex
CREATE INDEX "memberships_creatorId_status_idx" ON "memberships"("creatorId", "status");

-- CreateIndex
CREATE INDEX "memberships_productId_idx" ON "memberships"("productId");

-- CreateIndex
CREATE INDEX "memberships_status_idx" ON "memberships"("status");

-- CreateIndex
CREATE UNIQUE INDEX "entitlements_membershipId_key" ON "entitlements"("membershipId");

-- CreateIndex
CREATE UNIQUE INDEX "orders_stripeInvoiceId_key" ON "orders"("stripeInvoiceId");

-- CreateIndex
CREATE INDEX "orders_membershipId_idx" ON "orders"("membershipId");

-- CreateIndex
CREATE UNIQUE INDEX "products_stripeProductId_key" ON "products"("stripeProductId");

-- AddForeignKey
ALTER TABLE "orders" ADD CONSTRAINT "orders_membershipId_fkey" FOREIGN KEY ("membershipId") REFERENCES "memberships"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "entitlements" ADD CONSTRAINT "entitlements_membershipId_fkey" FOREIGN KEY ("membershipId") REFERENCES "memberships"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_buyerId_fkey" FOREIGN KEY ("buyerId") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_creatorId_fkey" FOREIGN KEY ("creatorId") REFERENCES "creator_accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_productId_fkey" FOREIGN KEY ("productId") REFERENCES "products"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_priceId_fkey" FOREIGN KEY ("priceId") REFERENCES "prices"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_checkoutAttemptId_fkey" FOREIGN KEY ("checkoutAttemptId") REFERENCES "checkout_attempts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- An entitlement comes from exactly one source: an order item (a purchase) or a membership (a subscription).
CREATE FUNCTION enforce_entitlement_source() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT ((NEW."orderId" IS NOT NULL AND NEW."orderItemId" IS NOT NULL AND NEW."membershipId" IS NULL)
       OR (NEW."orderId" IS NULL AND NEW."orderItemId" IS NULL AND NEW."membershipId" IS NOT NULL)) THEN
    RAISE EXCEPTION 'an entitlement belongs to an order item or to a membership' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER entitlements_source BEFORE INSERT OR UPDATE ON "entitlements" FOR EACH ROW EXECUTE FUNCTION enforce_entitlement_source();

-- Membership amounts follow the same money rules as prices.
CREATE FUNCTION enforce_membership_money() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."amount" <= 0 THEN RAISE EXCEPTION 'membership amount must be positive' USING ERRCODE = 'check_violation'; END IF;
  IF NEW."currency" !~ '^[a-z]{3}$' THEN RAISE EXCEPTION 'currency must be a lowercase ISO code' USING ERRCODE = 'check_violation'; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER memberships_money_rules BEFORE INSERT OR UPDATE ON "memberships" FOR EACH ROW EXECUTE FUNCTION enforce_membership_money();
