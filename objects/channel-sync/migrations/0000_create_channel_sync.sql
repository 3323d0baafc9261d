CREATE TABLE `attempt_parts` (
	`slot` text NOT NULL,
	`part` integer NOT NULL,
	`data` text NOT NULL,
	PRIMARY KEY(`slot`, `part`)
);
--> statement-breakpoint
CREATE TABLE `connection` (
	`id` integer PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`settings` text NOT NULL,
	`credentials` text NOT NULL,
	`credential_fields` text NOT NULL,
	`credentials_changed_at` integer NOT NULL,
	`token` text,
	`token_expires_at` integer,
	`state` text NOT NULL,
	`generation` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `cursors` (
	`shard` integer PRIMARY KEY NOT NULL,
	`after` integer NOT NULL,
	`rules` integer,
	`acked` integer NOT NULL,
	`head` integer NOT NULL,
	`scanning` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `items` (
	`sku` text PRIMARY KEY NOT NULL,
	`shard` integer NOT NULL,
	`listed` integer NOT NULL,
	`cursor` integer NOT NULL,
	`changed_at` integer NOT NULL,
	`pushed` integer,
	`reread` integer NOT NULL,
	`rejected` text
);
--> statement-breakpoint
CREATE TABLE `mappings` (
	`sku` text PRIMARY KEY NOT NULL,
	`external` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `timers` (
	`name` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL
);
