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
  }
): void {
  const { panel, command, label, rank, palette, restorer } = options;
  app.shell.add(panel, 'right', { rank });
  restorer?.add(panel, panel.id);
  app.commands.addCommand(command, {
    label,
    caption: panel.title.caption,
    icon: args => (args['isPalette'] ? undefined : panel.title.icon),
    execute: () => app.shell.activateById(panel.id)
  });
  palette?.addItem({ command, category: PALETTE_CATEGORY });
}
