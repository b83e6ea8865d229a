-- AlterTable
ALTER TABLE "refunds" ADD COLUMN     "restoreTransferId" TEXT;
