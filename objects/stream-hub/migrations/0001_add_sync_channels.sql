CREATE TABLE `sync_channels` (
	`channel` text PRIMARY KEY NOT NULL,
	`registered_at` integer NOT NULL
);
