CREATE TABLE `actions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`entity` text NOT NULL,
	`sku` text NOT NULL,
	`action` text NOT NULL,
	`status` text NOT NULL,
	`reason` text NOT NULL,
	`attempts` integer NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	`done_at` integer
);
--> statement-breakpoint
CREATE INDEX `actions_status` ON `actions` (`status`,`id`);--> statement-breakpoint
CREATE INDEX `actions_entity` ON `actions` (`entity`,`status`);--> statement-breakpoint
CREATE INDEX `actions_sku` ON `actions` (`sku`,`id`);--> statement-breakpoint
CREATE TABLE `connection` (
	`id` integer PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`channel` text NOT NULL,
	`rules` text NOT NULL,
	`settings` text NOT NULL,
	`credentials` text NOT NULL,
	`credential_fields` text NOT NULL,
	`credentials_changed_at` integer NOT NULL,
	`token` text,
	`token_expires_at` integer,
	`state` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `entities` (
	`entity` text PRIMARY KEY NOT NULL,
	`external` text NOT NULL,
	`pushed` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `mappings` (
	`sku` text NOT NULL,
	`entity` text NOT NULL,
	`external` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`sku`, `entity`)
);
--> statement-breakpoint
CREATE INDEX `mappings_entity` ON `mappings` (`entity`);--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `seen` (
	`id` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `skus` (
	`sku` text PRIMARY KEY NOT NULL,
	`facts` text NOT NULL,
	`sold_out` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `timers` (
	`name` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL
);
