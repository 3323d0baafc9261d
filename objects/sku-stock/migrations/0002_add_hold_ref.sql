ALTER TABLE `holds` ADD `ref` text;--> statement-breakpoint
-- Holds placed before this migration get the ref of the event that placed them, if still kept.
UPDATE `holds` SET `ref` = (SELECT `ref` FROM `events` WHERE `events`.`hold_id` = `holds`.`id` AND `events`.`type` = 'hold' ORDER BY `seq` LIMIT 1);
