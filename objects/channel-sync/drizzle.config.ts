import { defineConfig } from 'drizzle-kit';

// Migrations of each ChannelSync object's own SQLite, run in its constructor.
export default defineConfig({
  dialect: 'sqlite',
  driver: 'durable-sqlite',
  schema: './objects/channel-sync/schema.ts',
  out: './objects/channel-sync/migrations',
});
