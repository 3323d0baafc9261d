CREATE TABLE `cart` (
	`id` integer PRIMARY KEY NOT NULL,
	`reservation_id` text NOT NULL,
	`status` text NOT NULL,
	`data` text NOT NULL,
	`updated_at` integer NOT NULL
);
