import {
  INotebookModel,
  INotebookTracker,
  NotebookPanel
} from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';

import { ITaggedCell } from '../notebook/tags';

/**
 * Follows the notebook the user works in, so panels can say which notebook
 * they show and update when its cells or tags change.
 */
export class ActiveNotebook {
  /**
   * Create the follower.
   */
  constructor(tracker: INotebookTracker) {
    this._tracker = tracker;
    tracker.currentChanged.connect(this._onCurrentChanged, this);
    tracker.activeCellChanged.connect(this._emitActiveCell, this);
    this._onCurrentChanged();
  }

  /**
   * The current notebook panel, or null when no notebook is open.
   */
  get panel(): NotebookPanel | null {
    return this._panel;
  }

  /**
   * The path of the current notebook, relative to the Jupyter root.
   */
  get path(): string | null {
    return this._panel?.context.path ?? null;
  }

  /**
   * The current notebook's file name.
   */
  get name(): string | null {
    const path = this.path;
    return path === null ? null : (path.split('/').pop() ?? path);
  }

  /**
   * Emitted when the notebook changes or its content does.
   */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * Emitted when a cell's metadata changes (its tags, set in the property
   * inspector, do not change the content). Apart from `changed`: metadata
   * changes come often (JupyterLab records executions in it), and listeners
   * of `changed` that refresh commands would close an open command palette
   * each time.
   */
  get metadataChanged(): ISignal<this, void> {
    return this._metadataChanged;
  }

  /**
   * Emitted when the active cell of the current notebook changes.
   */
  get activeCellChanged(): ISignal<this, void> {
    return this._activeCellChanged;
  }

  /**
   * The index of the current notebook's active cell, or null.
   */
  get activeCellIndex(): number | null {
    const content = this._panel?.content;
    if (!content || content.widgets.length === 0) {
      return null;
    }
    return content.activeCellIndex;
  }

  /**
   * The cells with their types, tags and sources, in order.
   */
  cells(): (ITaggedCell & { source: string })[] {
    const model = this._panel?.content.model;
    if (!model) {
      return [];
    }
    const cells: (ITaggedCell & { source: string })[] = [];
    for (const cell of model.cells) {
      const tags = cell.getMetadata('tags');
      cells.push({
        cellType: cell.type,
        source: cell.sharedModel.getSource(),
        tags: Array.isArray(tags)
          ? tags.filter((tag): tag is string => typeof tag === 'string')
          : []
      });
    }
    return cells;
  }

  private _onCurrentChanged(): void {
    const next = this._tracker.currentWidget;
    if (next === this._panel) {
      return;
    }
    if (this._panel) {
      this._panel.context.model.contentChanged.disconnect(this._emit, this);
      this._panel.context.model.cells.changed.disconnect(
        this._followCells,
        this
      );
      this._panel.context.pathChanged.disconnect(this._emit, this);
      this._unfollowCells();
    }
    this._panel = next;
    if (next) {
      next.context.model.contentChanged.connect(this._emit, this);
      // Tags are cell metadata: a tag set in the property inspector does
      // not change the content, so each cell's metadata is followed too.
      next.context.model.cells.changed.connect(this._followCells, this);
      this._followCells();
      next.context.pathChanged.connect(this._emit, this);
      // The model's cells arrive after the panel does.
      void next.context.ready.then(() => this._emit());
    }
    this._emit();
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _emitActiveCell(): void {
    this._activeCellChanged.emit();
  }

  private _emitMetadata(): void {
    this._metadataChanged.emit();
  }

  /** Follow the metadata of the current notebook's cells (all of them). */
  private _followCells(): void {
    this._unfollowCells();
    const model = this._panel?.context.model;
    if (!model) {
      return;
    }
    for (const cell of model.cells) {
      cell.metadataChanged.connect(this._emitMetadata, this);
      this._followed.push(cell);
    }
    this._emitMetadata();
  }

  private _unfollowCells(): void {
    for (const cell of this._followed) {
      if (!cell.isDisposed) {
        cell.metadataChanged.disconnect(this._emitMetadata, this);
      }
    }
    this._followed = [];
  }

  private _tracker: INotebookTracker;
  private _panel: NotebookPanel | null = null;
  private _followed: ReturnType<INotebookModel['cells']['get']>[] = [];
  private _changed = new Signal<this, void>(this);
  private _metadataChanged = new Signal<this, void>(this);
  private _activeCellChanged = new Signal<this, void>(this);
}
