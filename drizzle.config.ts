import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes a new versioned migration into drizzle/ after a change to the schema.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/persistence/schema.ts',
  out: './drizzle',
});
