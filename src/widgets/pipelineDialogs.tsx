import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import React, { useState } from 'react';

import type { ExportTarget } from '../bridge/pipeline';
import type { PipelineIR } from '../pipeline/ir';
import { formatBytes, VariableCheck } from '../pipeline/serializationCheck';
import {
  overrideText,
  parseOverride,
  readOverrides
} from '../pipeline/overrides';

/**
 * The dialogs of the Pipeline panel: Run… (parameter overrides, run
 * without the cache) and Export… (the target).
 */

/** What the Run… dialog answers. */
export interface IRunChoice {
  params: Record<string, number | string | boolean | null>;
  force: boolean;
}

/**
 * Ask for parameter values (validated as typed, by the IR's types) and
 * whether to ignore the cache; null when cancelled or a value is bad.
 */
export async function runDialog(
  ir: PipelineIR,
  trans: TranslationBundle
): Promise<IRunChoice | null> {
  const body = new Private.RunForm(ir, trans);
  const result = await showDialog({
    title: trans.__('Run pipeline %1', ir.name),
    body,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: trans.__('Run') })
    ],
    focusNodeSelector: 'input'
  });
  if (!result.button.accept) {
    return null;
  }
  const { params, errors } = readOverrides(ir.parameters, body.texts);
  if (Object.keys(errors).length > 0) {
    await showDialog({
      title: trans.__('Not run'),
      body: Object.entries(errors)
        .map(([name, error]) => `${name}: ${error}`)
        .join('\n'),
      buttons: [Dialog.okButton({ label: trans.__('OK') })]
    });
    return null;
  }
  return { params, force: body.force };
}

/**
 * Show the serialization pre-check. With `action` ("Run", "Export"), ask
 * whether to go on when a variable cannot be carried: true to go on.
 */
export async function variableCheckDialog(
  checks: readonly VariableCheck[],
  trans: TranslationBundle,
  action?: string
): Promise<boolean> {
  const failed = checks.filter(check => check.state === 'failed');
  const body = ReactWidget.create(
    <table className="jp-mlops-VarCheck">
      <thead>
        <tr>
          <th>{trans.__('Variable')}</th>
          <th>{trans.__('From step')}</th>
          <th>{trans.__('Carried as')}</th>
        </tr>
      </thead>
      <tbody>
        {checks.map(check => (
          <tr key={check.name} className={`jp-mod-${check.state}`}>
            <td>
              <code>{check.name}</code>
            </td>
            <td>
              <code>{check.step}</code>
            </td>
            <td>
              {check.state === 'ok'
                ? `${check.kind}, ${formatBytes(check.bytes)}`
                : check.state === 'missing'
                  ? trans.__('not in the kernel (run its step first)')
                  : check.error}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  const title =
    failed.length === 0
      ? trans.__('Every passed variable can be carried')
      : trans._n(
          '%1 variable cannot be passed to the next step',
          '%1 variables cannot be passed to the next steps',
          failed.length
        );
  const result = await showDialog({
    title,
    body,
    buttons:
      action && failed.length > 0
        ? [
            Dialog.cancelButton({ label: trans.__('Cancel') }),
            Dialog.warnButton({ label: trans.__('%1 anyway', action) })
          ]
        : [Dialog.okButton({ label: trans.__('OK') })]
  });
  return result.button.accept;
}

/** The targets, as the Export… dialog offers them. */
export const TARGET_LABELS: Record<ExportTarget, string> = {
  local: 'Local runner (python -m jupyterlab_mlops.run)',
  dvc: 'DVC (dvc.yaml, dvc repro)',
  kfp: 'Kubeflow Pipelines v2 (kfp)',
  airflow: 'Airflow 3 (TaskFlow DAG)'
};

/**
 * Ask which target to export to; null when cancelled.
 */
export async function exportDialog(
  targets: readonly ExportTarget[],
  folderOf: (target: ExportTarget) => string,
  trans: TranslationBundle
): Promise<ExportTarget | null> {
  const body = new Private.TargetForm(targets, folderOf, trans);
  const result = await showDialog({
    title: trans.__('Export pipeline'),
    body,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: trans.__('Export') })
    ]
  });
  return result.button.accept ? body.target : null;
}

namespace Private {
  export class RunForm extends ReactWidget {
    constructor(
      readonly ir: PipelineIR,
      readonly trans: TranslationBundle
    ) {
      super();
      this.addClass('jp-mlops-RunForm');
      for (const parameter of ir.parameters) {
        this.texts[parameter.name] = overrideText(parameter.default);
      }
    }

    readonly texts: Record<string, string> = {};
    force = false;

    render(): JSX.Element {
      return (
        <RunFields
          form={this}
          onChange={(name, text) => {
            this.texts[name] = text;
          }}
          onForce={force => {
            this.force = force;
          }}
        />
      );
    }
  }

  function RunFields(props: {
    form: RunForm;
    onChange: (name: string, text: string) => void;
    onForce: (force: boolean) => void;
  }): JSX.Element {
    const { ir, trans } = props.form;
    const [texts, setTexts] = useState({ ...props.form.texts });
    return (
      <div className="jp-mlops-RunForm-fields">
        {ir.parameters.length === 0 && (
          <p>{trans.__('This pipeline has no parameters.')}</p>
        )}
        {ir.parameters.map(parameter => {
          const parsed = parseOverride(parameter.type, texts[parameter.name]);
          const id = `jp-mlops-run-${parameter.name}`;
          return (
            <div key={parameter.name} className="jp-mlops-RunForm-field">
              <label htmlFor={id} title={parameter.name}>
                {parameter.name} <small>{parameter.type}</small>
              </label>
              <input
                id={id}
                className="jp-mod-styled"
                value={texts[parameter.name]}
                aria-invalid={!parsed.ok}
                onChange={event => {
                  const text = event.target.value;
                  setTexts(old => ({ ...old, [parameter.name]: text }));
                  props.onChange(parameter.name, text);
                }}
              />
              {!parsed.ok && (
                <span className="jp-mlops-RunForm-error" role="alert">
                  {parsed.error}
                </span>
              )}
            </div>
          );
        })}
        <label className="jp-mlops-RunForm-force">
          <input
            type="checkbox"
            onChange={event => props.onForce(event.target.checked)}
          />{' '}
          {trans.__('Run every step again (ignore the cache)')}
        </label>
      </div>
    );
  }

  export class TargetForm extends ReactWidget {
    constructor(
      readonly targets: readonly ExportTarget[],
      readonly folderOf: (target: ExportTarget) => string,
      readonly trans: TranslationBundle
    ) {
      super();
      this.addClass('jp-mlops-ExportForm');
      this.target = targets[0];
    }

    target: ExportTarget;

    render(): JSX.Element {
      return (
        <TargetFields
          form={this}
          onChange={target => {
            this.target = target;
          }}
        />
      );
    }
  }

  function TargetFields(props: {
    form: TargetForm;
    onChange: (target: ExportTarget) => void;
  }): JSX.Element {
    const { targets, folderOf, trans } = props.form;
    const [target, setTarget] = useState(props.form.target);
    return (
      <fieldset className="jp-mlops-ExportForm-targets">
        <legend>{trans.__('Target')}</legend>
        {targets.map(option => (
          <label key={option}>
            <input
              type="radio"
              name="jp-mlops-export-target"
              value={option}
              checked={option === target}
              onChange={() => {
                setTarget(option);
                props.onChange(option);
              }}
            />{' '}
            {TARGET_LABELS[option]}
          </label>
        ))}
        <p className="jp-mlops-ExportForm-folder">
          {trans.__('Writes %1', folderOf(target))}
        </p>
      </fieldset>
    );
  }
}
