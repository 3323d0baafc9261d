CREATE TABLE `events` (
	`seq` integer PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`reason` text NOT NULL,
	`ref` text,
	`idempotency_key` text,
	`hold_id` text,
	`transfer_id` text,
	`deltas` text NOT NULL,
	`levels` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `holds` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`quantity` integer NOT NULL,
	`channel` text,
	`allocations` text NOT NULL,
	`returned` integer NOT NULL,
	`expires_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `holds_expiry` ON `holds` (`expires_at`);--> statement-breakpoint
CREATE TABLE `idempotency` (
	`key` text PRIMARY KEY NOT NULL,
	`request` text NOT NULL,
	`result` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `idempotency_age` ON `idempotency` (`created_at`);--> statement-breakpoint
CREATE TABLE `levels` (
	`location` text PRIMARY KEY NOT NULL,
	`on_hand` integer NOT NULL,
	`reserved` integer NOT NULL,
	`committed` integer NOT NULL,
	`unavailable` integer NOT NULL,
	`safety_stock` integer NOT NULL,
	`incoming` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `meta` (
	`id` integer PRIMARY KEY NOT NULL,
	`sku` text NOT NULL,
	`policy` text NOT NULL,
	`seq` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `timers` (
	`name` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `transfers` (
	`id` text PRIMARY KEY NOT NULL,
	`from_location` text NOT NULL,
	`to_location` text NOT NULL,
	`quantity` integer NOT NULL,
	`received` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
