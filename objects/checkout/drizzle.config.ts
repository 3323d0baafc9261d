import { defineConfig } from 'drizzle-kit';

// Migrations of each Checkout object's own SQLite, run in its constructor.
export default defineConfig({
  dialect: 'sqlite',
  driver: 'durable-sqlite',
  schema: './objects/checkout/schema.ts',
  out: './objects/checkout/migrations',
});
