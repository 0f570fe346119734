/**
 * The frontend's layers (docs/design.md, "Where things live"), checked in
 * the lint phase (`npm run lint:deps`): no import loops, and nothing
 * imports from a layer above it. Bottom to top:
 *
 *   errors ← util ← notebook ← kernel ← bridge ← tracking/store
 *     ← tracking/{capture, list, compare} ← pipeline, registry
 *     ← settings, tokens ← components ← widgets ← plugins ← index
 *
 * `commands.ts` and `icons.ts` are leaves anyone may use. Siblings in one
 * layer (capture, list, compare; pipeline, registry) do not import each
 * other: what two of them share moves down a layer.
 */
const ROOT_ABOVE_TRACKING = 'src/(settings|tokens|index)\\.ts$';
const UI = 'src/(components|widgets|plugins)/';

/** For each layer: the paths it may not import. */
const forbidden = {
  util: ['^src/(?!util/|errors\\.ts)'],
  notebook: ['^src/(?!util/|notebook/|errors\\.ts)'],
  kernel: ['^src/(?!util/|notebook/|kernel/|errors\\.ts)'],
  bridge: ['^src/(?!util/|bridge/|errors\\.ts)'],
  'tracking/store': [
    '^src/(tracking/(capture|list|compare)|pipeline|registry)/',
    `^${UI}`,
    `^${ROOT_ABOVE_TRACKING}`
  ],
  'tracking/capture': [
    '^src/(tracking/(list|compare)|pipeline|registry)/',
    `^${UI}`,
    `^${ROOT_ABOVE_TRACKING}`
  ],
  'tracking/list': [
    '^src/(tracking/(capture|compare)|pipeline|registry)/',
    `^${UI}`,
    `^${ROOT_ABOVE_TRACKING}`
  ],
  'tracking/compare': [
    '^src/(tracking/(capture|list)|pipeline|registry)/',
    `^${UI}`,
    `^${ROOT_ABOVE_TRACKING}`
  ],
  pipeline: ['^src/registry/', `^${UI}`, `^${ROOT_ABOVE_TRACKING}`],
  registry: ['^src/pipeline/', `^${UI}`, `^${ROOT_ABOVE_TRACKING}`],
  components: ['^src/(widgets|plugins)/', '^src/index\\.ts$'],
  widgets: ['^src/plugins/', '^src/index\\.ts$']
};

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'An import loop: split the shared part into a module below both.',
      from: {},
      to: { circular: true }
    },
    ...Object.entries(forbidden).flatMap(([layer, paths]) =>
      paths.map((path, n) => ({
        name: `no-upward-from-${layer.replace('/', '-')}-${n + 1}`,
        severity: 'error',
        comment: `src/${layer}/ imports from a layer above it (docs/design.md).`,
        from: { path: `^src/${layer}/` },
        to: { path }
      }))
    ),
    {
      name: 'no-upward-from-errors',
      severity: 'error',
      comment: 'src/errors.ts is the bottom layer.',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^src/' }
    },
    {
      name: 'no-upward-from-settings-tokens',
      severity: 'error',
      comment: 'settings.ts and tokens.ts sit below the UI.',
      from: { path: '^src/(settings|tokens)\\.ts$' },
      to: { path: `^(${UI}|src/index\\.ts$)` }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.(css|svg)$' }
  }
};
