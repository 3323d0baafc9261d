CREATE TABLE `location_policies` (
	`location` text PRIMARY KEY NOT NULL,
	`lead_time_days` real NOT NULL,
	`lead_time_spread_days` real NOT NULL,
	`review_period_days` real NOT NULL,
	`service_level` real NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`location`) REFERENCES `locations`(`code`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "location_policies_service_level" CHECK("location_policies"."service_level" between 0.5 and 0.999)
);
--> statement-breakpoint
CREATE TABLE `recommendations` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`sku` text NOT NULL,
	`location` text NOT NULL,
	`from_location` text,
	`quantity` integer NOT NULL,
	`urgent_at` text NOT NULL,
	`reason` text NOT NULL,
	`numbers` text NOT NULL,
	`basis` text NOT NULL,
	`seq` integer NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`revision` integer DEFAULT 1 NOT NULL,
	`dismissed_at` text,
	`dismissed_quantity` integer,
	`applied_at` text,
	`applied` text,
	`computed_at` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	CONSTRAINT "recommendations_kind" CHECK("recommendations"."kind" in ('replenish', 'transfer')),
	CONSTRAINT "recommendations_status" CHECK("recommendations"."status" in ('open', 'applied', 'dismissed', 'expired'))
);
--> statement-breakpoint
CREATE INDEX `recommendations_status_urgent` ON `recommendations` (`status`,`urgent_at`,`id`);--> statement-breakpoint
CREATE INDEX `recommendations_sku` ON `recommendations` (`sku`,`status`);--> statement-breakpoint
CREATE INDEX `recommendations_location` ON `recommendations` (`location`,`status`,`urgent_at`);--> statement-breakpoint
CREATE INDEX `recommendations_from` ON `recommendations` (`from_location`,`status`,`urgent_at`);--> statement-breakpoint
CREATE TABLE `transfer_lanes` (
	`from_location` text NOT NULL,
	`to_location` text NOT NULL,
	`lead_time_days` real NOT NULL,
	`cost_per_unit` real NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`from_location`, `to_location`),
	FOREIGN KEY (`from_location`) REFERENCES `locations`(`code`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`to_location`) REFERENCES `locations`(`code`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "transfer_lanes_not_self" CHECK("transfer_lanes"."from_location" <> "transfer_lanes"."to_location")
);
