/**
 * The experiment list's interface and token. `src/tokens.ts` lists it with
 * the others; it lives here so the list layer's own classes can implement
 * it without importing from above.
 */

import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';

import type { IExperimentRow } from './row';

/**
 * The experiments of one notebook, or of all notebooks, read from the
 * shared experiment store and kept as rows. DOM-free.
 */
export interface IExperimentList {
  /**
   * The rows, newest first.
   */
  readonly rows: readonly IExperimentRow[];

  /**
   * How many experiments there are while `rows` holds only the newest of
   * them (a large list's first paint from the cache), else null.
   */
  readonly total: number | null;

  /**
   * Whether a refresh is under way.
   */
  readonly loading: boolean;

  /**
   * How far a rebuild of the cache has read (manifests read, of total), or
   * null when none is under way.
   */
  readonly progress: IExperimentList.IProgress | null;

  /**
   * The last failure to list, or null.
   */
  readonly error: IExperimentList.IError | null;

  /**
   * The notebook slug the rows are of, or undefined for all notebooks.
   */
  readonly slug: string | undefined;

  /**
   * Emitted when the rows, loading, progress or error change.
   */
  readonly changed: ISignal<IExperimentList, void>;

  /**
   * Emitted with the new rows when they change.
   */
  readonly rowsChanged: ISignal<IExperimentList, readonly IExperimentRow[]>;

  /**
   * Emitted when loading starts or ends, or the progress moves.
   */
  readonly loadingChanged: ISignal<IExperimentList, IExperimentList.ILoading>;

  /**
   * Emitted with the new error (null when listing works again).
   */
  readonly errorChanged: ISignal<
    IExperimentList,
    IExperimentList.IError | null
  >;

  /**
   * Read the experiments of one notebook slug, or of all notebooks
   * (undefined); later reloads read the same.
   */
  refresh(slug?: string): Promise<void>;

  /**
   * Read the experiments again, of the same slug as the last refresh.
   */
  reload(): Promise<void>;
}

/**
 * A namespace for IExperimentList statics.
 */
export namespace IExperimentList {
  /**
   * Manifests read, of total.
   */
  export interface IProgress {
    done: number;
    total: number;
  }

  /**
   * Why the list could not be read.
   */
  export interface IError {
    code: string;
    message: string;
  }

  /**
   * Whether a refresh is under way, and how far it is.
   */
  export interface ILoading {
    loading: boolean;
    progress: IProgress | null;
  }
}

/**
 * The experiment list token.
 */
export const IExperimentList = new Token<IExperimentList>(
  'jupyterlab-mlops:IExperimentList',
  'The experiments of the shown notebook (or all), read from the store.'
);
