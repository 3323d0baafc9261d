CREATE TABLE `revoked_keys` (
	`key_id` text PRIMARY KEY NOT NULL,
	`revoked_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `used_tickets` (
	`nonce` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `used_tickets_expires_at` ON `used_tickets` (`expires_at`);