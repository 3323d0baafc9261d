CREATE TABLE `expectations` (
	`order_id` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL
);
