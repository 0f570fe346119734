/**
 * The extension's public interfaces and tokens. Each layer owns its own
 * (`bridge/tokens.ts`, …) so that nothing below imports from up here; this
 * file is the one list other extensions and the plugins read.
 */
export type { IBridgeClient } from './bridge/tokens';
export { IMlopsBridge } from './bridge/tokens';
