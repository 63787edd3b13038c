/**
 * The layering of DESIGN.md §3, checked by `npm run lint` (part of `npm test`).
 * Paths are matched anywhere in the tree so the deliberate violation under
 * test/fixtures/layering proves the rules fire.
 */
const edgeFolders = '(application|persistence|queues|http|channels|config|i18n|redis)';
const edgeLibraries = [
  'express', 'bullmq', 'ioredis', 'drizzle-orm', 'drizzle-kit', 'pg', 'pg-.*', '@electric-sql/.*',
  'telegraf', 'wechaty', 'wechaty-.*', 'pino', 'prom-client', 'fast-xml-parser', 'i18next', 'opencc-js',
];

module.exports = {
  forbidden: [
    {
      name: 'core-imports-edge-library',
      comment: 'domain/ and conversation/ are pure: no I/O libraries. Pass what they need in as data or functions.',
      severity: 'error',
      from: { path: '(^|/)src/(domain|conversation)/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'], path: `(^|/)node_modules/(${edgeLibraries.join('|')})/` },
    },
    {
      name: 'core-imports-node-io',
      comment: 'domain/ and conversation/ do no I/O: no node:fs, node:net, node:http, child_process, …',
      severity: 'error',
      from: { path: '(^|/)src/(domain|conversation)/' },
      to: { dependencyTypes: ['core'], pathNot: '^(node:)?(util|assert)$' },
    },
    {
      name: 'core-imports-edge-folder',
      comment: 'domain/ and conversation/ import nothing from the edges of the application.',
      severity: 'error',
      from: { path: '(^|/)src/(domain|conversation)/' },
      to: { path: `(^|/)src/${edgeFolders}/` },
    },
    {
      name: 'application-imports-adapter',
      comment: 'Use cases talk to storage and channels through ports (application/ports.ts), never to adapters.',
      severity: 'error',
      from: { path: '(^|/)src/application/' },
      to: { path: '(^|/)src/(persistence|queues|http|channels|redis)/' },
    },
    {
      name: 'src-imports-tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
