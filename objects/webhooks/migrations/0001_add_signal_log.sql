CREATE TABLE `signals` (
	`n` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`type` text NOT NULL,
	`sku` text,
	`location` text,
	`channel` text,
	`event` text NOT NULL,
	`recorded_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `signals_id_unique` ON `signals` (`id`);--> statement-breakpoint
CREATE INDEX `signals_age` ON `signals` (`recorded_at`);--> statement-breakpoint
CREATE INDEX `signals_sku` ON `signals` (`sku`,`n`);