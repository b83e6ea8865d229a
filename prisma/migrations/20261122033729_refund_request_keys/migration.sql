-- AlterTable
ALTER TABLE "disputes" ADD COLUMN     "recoveredById" TEXT,
ADD COLUMN     "stripeRecoveryReversalId" TEXT;

-- AlterTable
ALTER TABLE "refunds" ADD COLUMN     "requestKey" TEXT,
ADD COLUMN     "stripeTransferReversalId" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "refunds_requestKey_key" ON "refunds"("requestKey");
