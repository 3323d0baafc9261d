CREATE TABLE `demand` (
	`location` text PRIMARY KEY NOT NULL,
	`p` real NOT NULL,
	`z` real NOT NULL,
	`mse` real NOT NULL,
	`today` real NOT NULL,
	`day` integer NOT NULL,
	`days` integer NOT NULL
);
