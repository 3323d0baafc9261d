import { defineConfig } from 'drizzle-kit';

// Migrations of the Webhooks object's own SQLite, run in its constructor.
export default defineConfig({
  dialect: 'sqlite',
  driver: 'durable-sqlite',
  schema: './objects/webhooks/schema.ts',
  out: './objects/webhooks/migrations',
});
