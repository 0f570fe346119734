/**
 * The frontend's layers (docs/design.md), checked in the lint phase
 * (`npm run lint:deps`): no import loops, and nothing imports from a layer
 * above it. Bottom to top: errors, icons, commands, pipeline/tags ←
 * bridge ← tracking ← settings, tokens ← components ← widgets ← plugins ←
 * index.
 */
const above = {
  bridge: '^src/(tracking|components|widgets|plugins|pipeline|index\\.ts)',
  tracking: '^src/(components|widgets|plugins|index\\.ts)',
  components: '^src/(widgets|plugins|index\\.ts)',
  widgets: '^src/(plugins|index\\.ts)'
};

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import loop: split the shared part into a module below both.',
      from: {},
      to: { circular: true }
    },
    ...Object.entries(above).map(([layer, path]) => ({
      name: `no-upward-from-${layer}`,
      severity: 'error',
      comment: `src/${layer}/ imports from a layer above it.`,
      from: { path: `^src/${layer}/` },
      to: { path }
    })),
    {
      name: 'no-upward-from-errors',
      severity: 'error',
      comment: 'src/errors.ts is the bottom layer.',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^src/' }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.(css|svg)$' }
  }
};
