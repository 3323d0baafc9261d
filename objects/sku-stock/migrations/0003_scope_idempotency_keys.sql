CREATE TABLE `__new_idempotency` (
	`caller` text NOT NULL,
	`key` text NOT NULL,
	`request` text NOT NULL,
	`result` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`caller`, `key`)
);
--> statement-breakpoint
-- Records from before callers were recorded answer any caller ('*') until they age out (24 h).
INSERT INTO `__new_idempotency`("caller", "key", "request", "result", "created_at") SELECT '*', "key", "request", "result", "created_at" FROM `idempotency`;--> statement-breakpoint
DROP TABLE `idempotency`;--> statement-breakpoint
ALTER TABLE `__new_idempotency` RENAME TO `idempotency`;--> statement-breakpoint
CREATE INDEX `idempotency_age` ON `idempotency` (`created_at`);