/**
 * The extension's public interfaces and tokens. Each layer owns its own
 * (`bridge/tokens.ts`, `tracking/store/tokens.ts`, …) so that nothing below
 * imports from up here; this file is the one list other extensions and the
 * plugins read. Interfaces and tokens only: no classes.
 */
export type { IBridgeClient } from './bridge/tokens';
export { IMlopsBridge } from './bridge/tokens';
export { IExperimentStore } from './tracking/store/tokens';
export { IExperimentList } from './tracking/list/tokens';
