CREATE TABLE `signal_levels` (
	`location` text PRIMARY KEY NOT NULL,
	`level` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `signal_outbox` (
	`n` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`event` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `signal_outbox_id_unique` ON `signal_outbox` (`id`);--> statement-breakpoint
CREATE TABLE `signal_thresholds` (
	`scope` text PRIMARY KEY NOT NULL,
	`thresholds` text NOT NULL
);
