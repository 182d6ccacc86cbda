/**
 * The layers (README, Architecture): `app/` wires everything and nothing below it may import it;
 * `core/` is the bottom and imports no other layer; `llm/` is a transport and imports no capability;
 * nothing in `src/` imports tests. Checked in `npm test`
 * (`npm run deps`).
 */
module.exports = {
  forbidden: [
    {
      name: 'no-lower-to-app',
      comment: 'Channels, capabilities and core never import src/app/ (it composes them, not the other way round).',
      severity: 'error',
      from: { path: '^src/(?!app/)' },
      to: { path: '^src/app/' },
    },
    {
      name: 'core-is-the-bottom',
      comment: 'src/core/ is used by every layer and uses none.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(?!core/)' },
    },
    {
      name: 'llm-is-transport',
      comment: 'src/llm/ is the transport to a language model; its uses (answers, slot reading, briefs) live in the capability they serve.',
      severity: 'error',
      from: { path: '^src/llm/' },
      to: { path: '^src/(bot|flows|knowledge|handoff|requests|channels|identity|ops|slips|scale)/' },
    },
    {
      name: 'no-tests-in-src',
      comment: 'Production code never reads tests or their fixtures.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mts', '.js', '.mjs'] },
  },
};
