import { ITranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { CommandIDs } from '../commands';
import { ExperimentsTableView } from '../components/ExperimentsTableView';
import { ExperimentsPanelModel } from './experimentsPanelModel';

/**
 * The Experiments table, a main-area tab: the Experiments panel's model
 * (its list, scope, selection, sort and columns) as a full table.
 */
export class ExperimentsTableWidget extends ReactWidget {
  /**
   * Create the widget over the panel's model.
   */
  constructor(options: ExperimentsTableWidget.IOptions) {
    super();
    this.addClass('jp-mlops-ExperimentsTableWidget');
    this._model = options.model;
    this._commands = options.commands;
    this._translator = options.translator;
    this._model.changed.connect(this._onChanged, this);
    this._model.list.changed.connect(this._onChanged, this);
  }

  /**
   * The panel model shown.
   */
  get model(): ExperimentsPanelModel {
    return this._model;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._model.changed.disconnect(this._onChanged, this);
    this._model.list.changed.disconnect(this._onChanged, this);
    super.dispose();
  }

  protected render(): JSX.Element {
    const model = this._model;
    const commands = this._commands;
    return (
      <ExperimentsTableView
        list={model.list}
        rows={model.rows}
        stepValue={model.hasStepMetrics ? model.stepValue : null}
        onStepValueChange={value => void model.setStepValue(value)}
        notebookName={model.notebookName}
        allNotebooks={model.allNotebooks}
        onAllNotebooksChange={all => void model.setAllNotebooks(all)}
        selected={model.selected}
        onSelect={(row, on) => model.select(row.ref, on)}
        onCompare={refs => void commands.execute(CommandIDs.compare, { refs })}
        sort={model.sort}
        onSort={key => model.sortBy(key)}
        columns={model.columns}
        onColumnsChange={columns => void model.setColumns(columns)}
        onStar={row => void model.toggleStar(row)}
        onOpen={row =>
          void commands.execute(CommandIDs.openExperiment, { ref: row.ref })
        }
        translator={this._translator}
      />
    );
  }

  private _onChanged(): void {
    this.update();
  }

  private _model: ExperimentsPanelModel;
  private _commands: CommandRegistry;
  private _translator: ITranslator;
}

/**
 * A namespace for ExperimentsTableWidget statics.
 */
export namespace ExperimentsTableWidget {
  /**
   * Options of the widget.
   */
  export interface IOptions {
    model: ExperimentsPanelModel;
    commands: CommandRegistry;
    translator: ITranslator;
  }
}
