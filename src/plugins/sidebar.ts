import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';

import { SidePanel } from '../widgets/SidePanel';
import { PALETTE_CATEGORY } from './core';

/**
 * Put a panel in the right sidebar with an "open" command in the palette
 * and its place restored across reloads.
 */
export function addSidePanel(
  app: JupyterFrontEnd,
  options: {
    panel: SidePanel;
    command: string;
    label: string;
    rank: number;
    palette: ICommandPalette | null;
    restorer: ILayoutRestorer | null;
    /**
     * Where the keyboard goes when the command opens the panel: the first
     * of these selectors found in it (else its first focusable element).
     */
    focus?: readonly string[];
  }
): void {
  const { panel, command, label, rank, palette, restorer } = options;
  app.shell.add(panel, 'right', { rank });
  restorer?.add(panel, panel.id);
  app.commands.addCommand(command, {
    label,
    caption: panel.title.caption,
    icon: args => (args['isPalette'] ? undefined : panel.title.icon),
    execute: async () => {
      app.shell.activateById(panel.id);
      await Private.focusInside(panel.node, [
        ...(options.focus ?? []),
        Private.FOCUSABLE
      ]);
    }
  });
  palette?.addItem({ command, category: PALETTE_CATEGORY });
}

namespace Private {
  /** What the user may open while the panel renders: keep its focus. */
  export const MODAL = '#command-palette, .jp-Dialog, .lm-Menu';

  export const FOCUSABLE =
    'input:not([disabled]), button:not([disabled]), [tabindex]:not([tabindex="-1"])';

  /**
   * Focus the first element matching one of `selectors` (in that order of
   * preference), waiting a few frames for the panel to render; unless the
   * user has opened the palette, a dialog or a menu meanwhile: a late
   * focus must not take the keyboard from it (it would close the palette).
   */
  export async function focusInside(
    node: HTMLElement,
    selectors: readonly string[]
  ): Promise<void> {
    const before = document.activeElement;
    for (let frame = 0; frame < 30; frame++) {
      // After the messages of the activation, and after whatever ran the
      // command (the palette) has closed and let go of the focus.
      await new Promise(resolve => requestAnimationFrame(resolve));
      const now = document.activeElement;
      if (now !== null && now !== before && now.closest(Private.MODAL)) {
        return;
      }
      for (const selector of selectors) {
        const target = node.querySelector<HTMLElement>(selector);
        if (target) {
          target.focus();
          return;
        }
      }
    }
  }
}
