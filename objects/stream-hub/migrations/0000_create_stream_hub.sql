CREATE TABLE `acks` (
	`connector` text NOT NULL,
	`channel` text NOT NULL,
	`role` text NOT NULL,
	`cursor` integer NOT NULL,
	`acked_at` integer,
	PRIMARY KEY(`connector`, `channel`)
);
--> statement-breakpoint
CREATE TABLE `channel_rules` (
	`channel` text NOT NULL,
	`from_cursor` integer NOT NULL,
	`rules` text NOT NULL,
	PRIMARY KEY(`channel`, `from_cursor`)
);
--> statement-breakpoint
CREATE TABLE `rows` (
	`sku` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`cursor` integer NOT NULL,
	`state` text NOT NULL,
	`changed_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`flushed_seq` integer NOT NULL,
	`oldest_unflushed_at` text
);
--> statement-breakpoint
CREATE INDEX `rows_cursor` ON `rows` (`cursor`);