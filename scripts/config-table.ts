// Prints the README's table of environment variables from the schema that validates them,
// so the two cannot drift apart: `npm run config:table`.
import { envSchema } from '../src/config/env.schema';

const rows = Object.entries(envSchema.shape).map(([key, schema]) => {
  const parsed = schema.safeParse(undefined);
  const fallback = parsed.success && parsed.data !== undefined ? `\`${String(parsed.data)}\`` : '—';
  return `| \`${key}\` | ${fallback} | ${schema.description ?? ''} |`;
});
console.log(['| Variable | Default | What it is |', '| --- | --- | --- |', ...rows].join('\n'));
