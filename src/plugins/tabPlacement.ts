import { ILabShell, JupyterFrontEnd } from '@jupyterlab/application';
import { SplitPanel, TabPanel, Widget } from '@lumino/widgets';

/**
 * Where the extension's own tabs (an experiment's detail, a comparison,
 * the Experiments table) are shown.
 *
 * JupyterLab's main area holds many tabs and splits: new tabs open after
 * the current one, or beside it when asked. Notebook 7's main area holds
 * one document and silently ignores a second, so there the tabs go to its
 * down area: a tab bar under the notebook, on the same page, which shows
 * itself when a tab is activated and hides when the last one closes.
 */
export interface ITabPlacement {
  /** Whether "to the side" means anything (a split of the main area). */
  readonly canSplit: boolean;
  /**
   * Show a tab: add it when new (or moved beside the current tab when
   * `toSide`), then activate it.
   */
  show(tab: Widget, options: { isNew: boolean; toSide?: boolean }): void;
}

/**
 * The placement for this shell: JupyterLab's (`labShell` given) or the
 * down area of a single-document shell (Notebook 7).
 */
export function tabPlacement(
  app: JupyterFrontEnd,
  labShell: ILabShell | null
): ITabPlacement {
  if (labShell) {
    return {
      canSplit: true,
      show: (tab, { isNew, toSide = false }) => {
        if (isNew || toSide) {
          const current = labShell.currentWidget;
          labShell.add(tab, 'main', {
            mode: toSide ? 'split-right' : 'tab-after',
            ref: current && current !== tab ? current.id : undefined
          });
        }
        labShell.activateById(tab.id);
      }
    };
  }
  return {
    canSplit: false,
    show: (tab, { isNew }) => {
      if (isNew || !tab.isAttached) {
        app.shell.add(tab, 'down');
      }
      // Notebook 7.6 shows the down area and activates the widget, but
      // leaves another of its tabs current (fixed in later versions).
      const tabs = tab.parent?.parent;
      if (tabs instanceof TabPanel) {
        tabs.currentWidget = tab;
      }
      app.shell.activateById(tab.id);
      if (tabs instanceof TabPanel) {
        Private.giveRoom(tabs);
      }
    }
  };
}

namespace Private {
  /**
   * The share of the page the down area takes when it opens too small to
   * read (Notebook 7.6 shows it at the height of its tab bar).
   */
  const DOWN_SHARE = 0.45;

  /**
   * Give the down area (`tabs`, in a vertical split under the notebook) a
   * readable height if it has almost none; a height the user chose by
   * dragging the handle is kept.
   */
  export function giveRoom(tabs: TabPanel): void {
    const split = tabs.parent;
    const index =
      split instanceof SplitPanel ? split.widgets.indexOf(tabs) : -1;
    if (!(split instanceof SplitPanel) || index < 0) {
      return;
    }
    const sizes = split.relativeSizes();
    if ((sizes[index] ?? 0) >= 0.15) {
      return;
    }
    const rest = sizes.reduce(
      (sum, size, i) => (i === index ? sum : sum + size),
      0
    );
    split.setRelativeSizes(
      sizes.map((size, i) =>
        i === index
          ? DOWN_SHARE
          : rest > 0
            ? (size / rest) * (1 - DOWN_SHARE)
            : (1 - DOWN_SHARE) / (sizes.length - 1)
      )
    );
  }
}
