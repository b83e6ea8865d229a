-- AlterTable
ALTER TABLE "checkout_attempts" ADD COLUMN     "sessionRequest" JSONB;
