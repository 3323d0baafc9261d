CREATE TABLE `movement_locations` (
	`sku` text NOT NULL,
	`seq` integer NOT NULL,
	`location` text NOT NULL,
	`on_hand` integer NOT NULL,
	`reserved` integer NOT NULL,
	`committed` integer NOT NULL,
	`unavailable` integer NOT NULL,
	`safety_stock` integer NOT NULL,
	`incoming` integer NOT NULL,
	PRIMARY KEY(`sku`, `seq`, `location`)
);
--> statement-breakpoint
CREATE INDEX `movement_locations_location` ON `movement_locations` (`location`,`sku`,`seq`);--> statement-breakpoint
CREATE TABLE `movements` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sku` text NOT NULL,
	`seq` integer NOT NULL,
	`type` text NOT NULL,
	`at` text NOT NULL,
	`actor` text NOT NULL,
	`reason` text NOT NULL,
	`ref` text,
	`idempotency_key` text,
	`hold_id` text,
	`transfer_id` text,
	`deltas` text NOT NULL,
	`levels` text NOT NULL,
	`totals` text NOT NULL,
	`recorded_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `movements_sku_seq` ON `movements` (`sku`,`seq`);--> statement-breakpoint
CREATE INDEX `movements_at` ON `movements` (`at`);--> statement-breakpoint
CREATE INDEX `movements_ref` ON `movements` (`ref`);