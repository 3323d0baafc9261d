CREATE TABLE `kits` (
	`kit_sku` text NOT NULL,
	`component_sku` text NOT NULL,
	`quantity` integer NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`kit_sku`, `component_sku`),
	FOREIGN KEY (`kit_sku`) REFERENCES `skus`(`code`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`component_sku`) REFERENCES `skus`(`code`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "kits_quantity" CHECK("kits"."quantity" >= 1),
	CONSTRAINT "kits_not_self" CHECK("kits"."kit_sku" <> "kits"."component_sku")
);
--> statement-breakpoint
CREATE INDEX `kits_component` ON `kits` (`component_sku`);