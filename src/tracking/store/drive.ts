import { Contents, ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';
import { z } from 'zod';

import { MlopsError } from '../../errors';
import { ExperimentStore } from './store';
import { experimentRef, parseExperimentRef } from './refs';

/**
 * A read-only contents drive that serves an experiment's notebook out of
 * the git store, so JupyterLab's own notebook viewer shows it. The model
 * says `writable: false` (JupyterLab then refuses Save and shows its
 * read-only indicator), every cell is marked not editable and not
 * deletable, and outputs are untrusted (no script runs, HTML is
 * sanitized). Every writing call fails with `E_READ_ONLY`.
 */

/**
 * The drive's name: paths look like `MlopsExperiment:<slug>/<id>/<file>`.
 */
export const EXPERIMENT_DRIVE = 'MlopsExperiment';

/**
 * The path (with the drive) of an experiment's notebook, named like the
 * notebook it was taken from.
 */
export function experimentNotebookPath(
  ref: string,
  notebookPath: string
): string {
  const parts = parseExperimentRef(ref);
  if (!parts) {
    throw new MlopsError('E_BAD_REQUEST', `Not an experiment ref: ${ref}`, {
      ref
    });
  }
  const base = notebookPath.split('/').pop() ?? '';
  const name = Private.safeName(base);
  return `${EXPERIMENT_DRIVE}:${parts.slug}/${parts.id}/${name}`;
}

/**
 * Whether a contents path is on this drive (an experiment's stored copy,
 * not a workspace file).
 */
export function isExperimentDrivePath(path: string): boolean {
  return path.startsWith(`${EXPERIMENT_DRIVE}:`);
}

/**
 * The experiment ref of a path of this drive (with or without the drive
 * prefix), or null when it is not one.
 */
export function parseExperimentNotebookPath(
  path: string
): { ref: string; name: string } | null {
  const local = isExperimentDrivePath(path)
    ? path.slice(EXPERIMENT_DRIVE.length + 1)
    : path;
  const match = /^([a-z0-9-]{1,80})\/([0-9A-HJKMNP-TV-Z]{26})\/([^/]+)$/.exec(
    local
  );
  if (!match || Private.safeName(match[3]) !== match[3]) {
    return null;
  }
  return { ref: experimentRef(match[1], match[2]), name: match[3] };
}

/**
 * The read-only drive of experiment notebooks.
 */
export class ExperimentDrive implements Contents.IDrive {
  /**
   * Create the drive over the store (a function: the store changes with
   * the `storeDir` setting).
   */
  constructor(options: ExperimentDrive.IOptions) {
    this._store = options.store;
    this.serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
  }

  readonly name = EXPERIMENT_DRIVE;
  readonly serverSettings: ServerConnection.ISettings;

  /**
   * Never emitted: nothing in the drive changes.
   */
  get fileChanged(): ISignal<this, Contents.IChangedArgs> {
    return this._fileChanged;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
  }

  /**
   * The notebook of an experiment, read-only. Fails with `E_NOT_FOUND` for
   * a path that is not an experiment notebook, and `E_STORE_CORRUPT` when
   * the stored notebook is not a notebook.
   */
  async get(
    localPath: string,
    options?: Contents.IFetchOptions
  ): Promise<Contents.IModel> {
    const parsed = parseExperimentNotebookPath(localPath);
    if (!parsed) {
      throw new MlopsError(
        'E_NOT_FOUND',
        `${localPath} is not an experiment notebook.`,
        { path: localPath }
      );
    }
    const store = this._store();
    const { oid, manifest } = await store.read(parsed.ref);
    const base = manifest.notebook.path.split('/').pop() ?? '';
    if (Private.safeName(base) !== parsed.name) {
      throw new MlopsError(
        'E_NOT_FOUND',
        `Experiment ${parsed.ref} holds ${base}, not ${parsed.name}.`,
        { path: localPath }
      );
    }
    const bytes = await store.readFile(oid, 'notebook.ipynb');
    const wantContent = options?.content !== false;
    return {
      name: parsed.name,
      path: localPath,
      type: 'notebook',
      writable: false,
      created: manifest.createdAt,
      last_modified: manifest.createdAt,
      mimetype: 'application/x-ipynb+json',
      size: bytes.length,
      format: wantContent ? 'json' : null,
      content: wantContent ? readOnlyNotebook(bytes, parsed.ref) : null
    };
  }

  async getDownloadUrl(localPath: string): Promise<string> {
    throw new MlopsError(
      'E_NOT_FOUND',
      `${localPath} has no download URL: experiment files are read through the store.`,
      { path: localPath }
    );
  }

  async newUntitled(options?: Contents.ICreateOptions): Promise<never> {
    throw Private.readOnly(options?.path ?? '');
  }

  async delete(localPath: string): Promise<never> {
    throw Private.readOnly(localPath);
  }

  async rename(localPath: string): Promise<never> {
    throw Private.readOnly(localPath);
  }

  async save(localPath: string): Promise<never> {
    throw Private.readOnly(localPath);
  }

  async copy(localPath: string): Promise<never> {
    throw Private.readOnly(localPath);
  }

  async createCheckpoint(localPath: string): Promise<never> {
    throw Private.readOnly(localPath);
  }

  async listCheckpoints(): Promise<Contents.ICheckpointModel[]> {
    return [];
  }

  async restoreCheckpoint(localPath: string): Promise<never> {
    throw Private.readOnly(localPath);
  }

  async deleteCheckpoint(localPath: string): Promise<never> {
    throw Private.readOnly(localPath);
  }

  private _store: () => ExperimentStore;
  private _fileChanged = new Signal<this, Contents.IChangedArgs>(this);
  private _isDisposed = false;
}

/**
 * A namespace for ExperimentDrive statics.
 */
export namespace ExperimentDrive {
  /**
   * Options of the drive.
   */
  export interface IOptions {
    store: () => ExperimentStore;
    serverSettings?: ServerConnection.ISettings;
  }
}

/**
 * The stored notebook as the viewer gets it: every cell not editable and
 * not deletable, no cell trusted. Fails with `E_STORE_CORRUPT` when the
 * bytes are not an nbformat 4 notebook.
 */
export function readOnlyNotebook(
  bytes: Uint8Array,
  where = 'notebook.ipynb'
): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (reason) {
    throw new MlopsError(
      'E_STORE_CORRUPT',
      `The notebook of ${where} is not valid UTF-8 JSON.`,
      { where, reason: String(reason) }
    );
  }
  const parsed = Private.notebookSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MlopsError(
      'E_STORE_CORRUPT',
      `The notebook of ${where} is not an nbformat 4 notebook: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
      { where }
    );
  }
  const notebook = parsed.data;
  return {
    ...notebook,
    cells: notebook.cells.map(cell => {
      const metadata: Record<string, unknown> = { ...cell.metadata };
      // The viewer must not run what a stored output carries.
      delete metadata.trusted;
      metadata.editable = false;
      metadata.deletable = false;
      return { ...cell, metadata };
    })
  };
}

namespace Private {
  const source = z.union([z.string(), z.array(z.string())]);

  export const notebookSchema = z
    .object({
      nbformat: z.literal(4),
      nbformat_minor: z.number().int().nonnegative(),
      metadata: z.record(z.string(), z.unknown()),
      cells: z.array(
        z
          .object({
            cell_type: z.enum(['code', 'markdown', 'raw']),
            source,
            metadata: z.record(z.string(), z.unknown()).default({})
          })
          .passthrough()
      )
    })
    .passthrough();

  /**
   * A file name safe as the last part of a drive path.
   */
  export function safeName(name: string): string {
    const cleaned = name
      .replace(/[^A-Za-z0-9._ -]+/g, '-')
      .replace(/^[.\s-]+/, '')
      .slice(0, 120);
    return /\.ipynb$/i.test(cleaned)
      ? cleaned
      : `${cleaned || 'notebook'}.ipynb`;
  }

  /**
   * The error of every writing call.
   */
  export function readOnly(path: string): MlopsError {
    return new MlopsError(
      'E_READ_ONLY',
      `${path || 'This notebook'} is an experiment's notebook, kept read-only in the store. Use "Restore as new notebook" for an editable copy next to the original.`,
      { path }
    );
  }
}
