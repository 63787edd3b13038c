ALTER TABLE "cases" ADD COLUMN "submission_key" text;--> statement-breakpoint
CREATE UNIQUE INDEX "cases_submission_key" ON "cases" USING btree ("submission_key");