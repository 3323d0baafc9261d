// drizzle-kit's durable-sqlite migrations import .sql files, bundled as text (wrangler.toml rules).
declare module '*.sql' {
  const sql: string;
  export default sql;
}
