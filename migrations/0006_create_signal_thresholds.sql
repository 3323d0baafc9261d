CREATE TABLE `signal_thresholds` (
	`scope` text NOT NULL,
	`code` text NOT NULL,
	`thresholds` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`scope`, `code`),
	CONSTRAINT "signal_thresholds_scope" CHECK("signal_thresholds"."scope" in ('sku', 'location', 'channel'))
);
