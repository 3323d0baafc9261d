import { defineConfig } from 'drizzle-kit';

// Migrations of each SkuStock object's own SQLite, run in its constructor.
export default defineConfig({
  dialect: 'sqlite',
  driver: 'durable-sqlite',
  schema: './objects/sku-stock/schema.ts',
  out: './objects/sku-stock/migrations',
});
