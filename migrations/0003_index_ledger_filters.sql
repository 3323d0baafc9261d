CREATE TABLE `location_movements` (
	`location` text NOT NULL,
	`movement_id` integer NOT NULL,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `location_movements_location_id` ON `location_movements` (`location`,`movement_id`);--> statement-breakpoint
CREATE INDEX `location_movements_location_at` ON `location_movements` (`location`,`at`,`movement_id`);--> statement-breakpoint
CREATE INDEX `movements_sku_id` ON `movements` (`sku`,`id`);--> statement-breakpoint
CREATE INDEX `movements_sku_at` ON `movements` (`sku`,`at`);--> statement-breakpoint
CREATE INDEX `movements_actor_id` ON `movements` (`actor`,`id`);--> statement-breakpoint
CREATE INDEX `movements_actor_at` ON `movements` (`actor`,`at`);--> statement-breakpoint
CREATE INDEX `movements_type_id` ON `movements` (`type`,`id`);--> statement-breakpoint
CREATE INDEX `movements_reason_id` ON `movements` (`reason`,`id`);--> statement-breakpoint
-- location_movements is derived from each movement's deltas by this trigger, so every writer of
-- the ledger keeps it without knowing it exists; a re-sent movement is not inserted, so not indexed twice.
CREATE TRIGGER `movements_index_locations` AFTER INSERT ON `movements`
BEGIN
	INSERT OR IGNORE INTO `location_movements` (`location`, `movement_id`, `at`)
	SELECT DISTINCT json_extract(d.value, '$.location'), NEW.`id`, NEW.`at`
	FROM json_each(NEW.`deltas`) AS d
	WHERE json_extract(d.value, '$.location') IS NOT NULL;
END;
--> statement-breakpoint
INSERT OR IGNORE INTO `location_movements` (`location`, `movement_id`, `at`)
SELECT DISTINCT json_extract(d.value, '$.location'), m.`id`, m.`at`
FROM `movements` AS m, json_each(m.`deltas`) AS d
WHERE json_extract(d.value, '$.location') IS NOT NULL;
