ALTER TABLE `items` ADD `pushed_at` integer;--> statement-breakpoint
ALTER TABLE `items` ADD `error` text;