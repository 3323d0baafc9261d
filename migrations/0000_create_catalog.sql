CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`channels` text NOT NULL,
	`locations` text NOT NULL,
	`hash` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`revoked_at` text,
	`last_used_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash_unique` ON `api_keys` (`hash`);--> statement-breakpoint
CREATE TABLE `channels` (
	`code` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`locations` text NOT NULL,
	`percentage` integer DEFAULT 100 NOT NULL,
	`buffer` integer DEFAULT 0 NOT NULL,
	`max_listed` integer,
	`end_when` integer DEFAULT 0 NOT NULL,
	`routing` text DEFAULT 'priority' NOT NULL,
	`allow_split` integer DEFAULT false NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	CONSTRAINT "channels_kind" CHECK("channels"."kind" in ('storefront', 'marketplace', 'store', 'custom')),
	CONSTRAINT "channels_percentage" CHECK("channels"."percentage" between 1 and 100),
	CONSTRAINT "channels_buffer" CHECK("channels"."buffer" >= 0),
	CONSTRAINT "channels_end_when" CHECK("channels"."end_when" >= 0),
	CONSTRAINT "channels_routing" CHECK("channels"."routing" in ('priority', 'nearest'))
);
--> statement-breakpoint
CREATE TABLE `locations` (
	`code` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`region` text NOT NULL,
	`country` text NOT NULL,
	`latitude` real NOT NULL,
	`longitude` real NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	CONSTRAINT "locations_kind" CHECK("locations"."kind" in ('warehouse', 'store', 'dropship'))
);
--> statement-breakpoint
CREATE TABLE `skus` (
	`code` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`gtin` text,
	`attributes` text DEFAULT '{}' NOT NULL,
	`backorder_policy` text DEFAULT 'deny' NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	CONSTRAINT "skus_backorder_policy" CHECK("skus"."backorder_policy" in ('deny', 'continue'))
);
