// The dependency rule (docs/architecture.md "Layers"): imports only point down.
//   domain ← rules ← engine ← records ← replay ← report ← batch ← cli / handlers
// io (files, Arrow, stores, converters) sits beside them at the edges: it may use the pure layers
// to parse and write their formats, and only batch, sample, cli and handlers may use it.
// scenarios (price-history transforms) and sample (the synthetic data set) are libraries of their
// own on top of the pure layers; so is risk (distances to the status thresholds under price shocks:
// the exact engine at shocked markets; the top-up to survive: held replays; no I/O). The pure layers also import no node: module (eslint.config.js
// adds: and read no environment).
const LAYERS = {
  domain: [],
  rules: ['domain'],
  engine: ['domain', 'rules'],
  records: ['domain', 'rules', 'engine'],
  replay: ['domain', 'rules', 'engine', 'records'],
  report: ['domain', 'rules', 'engine', 'records', 'replay'],
  scenarios: ['domain'],
  risk: ['domain', 'rules', 'engine', 'records', 'replay', 'scenarios'],
  io: ['domain', 'rules', 'records', 'types'],
  sample: ['domain', 'rules', 'engine', 'records', 'io', 'types'],
  batch: ['domain', 'rules', 'engine', 'records', 'replay', 'report', 'scenarios', 'risk', 'io', 'types'],
  cli: ['domain', 'rules', 'engine', 'records', 'replay', 'report', 'scenarios', 'risk', 'io', 'sample', 'batch', 'types'],
};
const PURE = ['domain', 'rules', 'engine', 'records', 'replay', 'scenarios', 'risk'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...Object.entries(LAYERS).map(([layer, below]) => ({
      name: `${layer}-imports-only-below`,
      comment: `src/${layer} may import only from ${below.length ? below.join(', ') : 'nothing else in src'} (docs/architecture.md "Layers")`,
      severity: 'error',
      from: { path: `^src/${layer}/` },
      to: { path: '^src/', pathNot: `^src/(${[layer, ...below].join('|')})/` },
    })),
    {
      name: 'handlers-are-thin',
      comment: 'a handler imports the batch steps and the edges, never the cli',
      severity: 'error',
      from: { path: '^handlers/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'nothing-imports-the-entry-points',
      comment: 'src imports neither handlers/, test/ nor bench/',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(handlers|test|bench|scripts)/' },
    },
    {
      name: 'pure-layers-import-no-node-module',
      comment: `${PURE.join(', ')} import no node: module: no I/O in the engine and the replay`,
      severity: 'error',
      from: { path: `^src/(${PURE.join('|')})/` },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
