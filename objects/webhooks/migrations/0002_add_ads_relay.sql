CREATE TABLE `ads_relay` (
	`name` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`after` integer NOT NULL,
	`failures` integer NOT NULL,
	`not_before` integer,
	`last_error` text
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`name` text PRIMARY KEY NOT NULL,
	`due_at` integer,
	`state` text NOT NULL
);
