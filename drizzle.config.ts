import { defineConfig } from 'drizzle-kit';

// D1 catalog migrations; `npx drizzle-kit generate --name verb_object` writes the next one.
export default defineConfig({
  dialect: 'sqlite',
  schema: './db/schema.ts',
  out: './migrations',
});
