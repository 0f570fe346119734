import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import React, { useState } from 'react';

import type { IKernelCandidates } from '../registry/kernelModels';

/**
 * The dialogs of the Models panel: Register… (which kernel variable, its
 * input example, the model's name) and Set alias… (which alias).
 */

/** What the Register… dialog answers. */
export interface IRegisterChoice {
  variable: string;
  example: string | null;
  name: string;
  description: string;
}

/** The example a model most likely wants: its training frame. */
export function defaultExample(candidates: IKernelCandidates): string | null {
  const names = candidates.examples.map(e => e.name);
  for (const wanted of ['X_train', 'X', 'X_test', 'x_train', 'features']) {
    if (names.includes(wanted)) {
      return wanted;
    }
  }
  return names[0] ?? null;
}

/**
 * Ask which variable to register, from the kernel's estimators; null when
 * cancelled. `lineage` says what the version will be tied to.
 */
export async function registerDialog(
  candidates: IKernelCandidates,
  defaults: { name: string; lineage: string; modelLabel?: string },
  trans: TranslationBundle
): Promise<IRegisterChoice | null> {
  const body = new Private.RegisterForm(candidates, defaults, trans);
  const result = await showDialog({
    title: trans.__('Register a model'),
    body,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: trans.__('Register') })
    ],
    focusNodeSelector: 'select'
  });
  if (!result.button.accept || body.choice.name.trim() === '') {
    return null;
  }
  return { ...body.choice, name: body.choice.name.trim() };
}

/** Ask which alias to point at `version`; null when cancelled. */
export async function aliasDialog(
  model: string,
  version: number,
  aliases: Record<string, number>,
  trans: TranslationBundle
): Promise<string | null> {
  const body = new Private.AliasForm(aliases, version, trans);
  const result = await showDialog({
    title: trans.__('Set an alias of %1 to version %2', model, version),
    body,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: trans.__('Set alias') })
    ],
    focusNodeSelector: 'input'
  });
  const alias = body.alias.trim();
  return result.button.accept && alias !== '' ? alias : null;
}

namespace Private {
  export class RegisterForm extends ReactWidget {
    constructor(
      readonly candidates: IKernelCandidates,
      readonly defaults: { name: string; lineage: string; modelLabel?: string },
      readonly trans: TranslationBundle
    ) {
      super();
      this.addClass('jp-mlops-RegisterForm');
      this.choice = {
        variable: candidates.models[0]?.name ?? '',
        example: defaultExample(candidates),
        name: defaults.name,
        description: ''
      };
    }

    choice: IRegisterChoice;

    render(): JSX.Element {
      return <RegisterFields form={this} />;
    }
  }

  function RegisterFields(props: { form: RegisterForm }): JSX.Element {
    const { candidates, defaults, trans } = props.form;
    const [choice, setChoice] = useState(props.form.choice);
    const update = (change: Partial<IRegisterChoice>) => {
      const next = { ...choice, ...change };
      setChoice(next);
      props.form.choice = next;
    };
    return (
      <div className="jp-mlops-Form">
        <label htmlFor="jp-mlops-register-variable">
          {defaults.modelLabel ?? trans.__('Model (a kernel variable)')}
        </label>
        <select
          id="jp-mlops-register-variable"
          className="jp-mod-styled"
          value={choice.variable}
          onChange={event => update({ variable: event.target.value })}
        >
          {candidates.models.map(model => (
            <option key={model.name} value={model.name}>
              {model.name} ({model.type.split('.').pop()})
            </option>
          ))}
        </select>
        <label htmlFor="jp-mlops-register-example">
          {trans.__('Input example (signature and sample row)')}
        </label>
        <select
          id="jp-mlops-register-example"
          className="jp-mod-styled"
          value={choice.example ?? ''}
          onChange={event => update({ example: event.target.value || null })}
        >
          <option value="">{trans.__('none')}</option>
          {candidates.examples.map(example => (
            <option key={example.name} value={example.name}>
              {example.name} ({example.rows} × {example.columns})
            </option>
          ))}
        </select>
        <label htmlFor="jp-mlops-register-name">
          {trans.__('Registered model name')}
        </label>
        <input
          id="jp-mlops-register-name"
          className="jp-mod-styled"
          value={choice.name}
          maxLength={128}
          onChange={event => update({ name: event.target.value })}
        />
        <label htmlFor="jp-mlops-register-description">
          {trans.__('Description')}
        </label>
        <input
          id="jp-mlops-register-description"
          className="jp-mod-styled"
          value={choice.description}
          onChange={event => update({ description: event.target.value })}
        />
        <p className="jp-mlops-Form-note">{defaults.lineage}</p>
      </div>
    );
  }

  export class AliasForm extends ReactWidget {
    constructor(
      readonly aliases: Record<string, number>,
      readonly version: number,
      readonly trans: TranslationBundle
    ) {
      super();
      this.addClass('jp-mlops-AliasForm');
      this.alias = 'staging';
    }

    alias: string;

    render(): JSX.Element {
      return <AliasFields form={this} />;
    }
  }

  function AliasFields(props: { form: AliasForm }): JSX.Element {
    const { aliases, trans } = props.form;
    const [alias, setAlias] = useState(props.form.alias);
    const now = aliases[alias];
    return (
      <div className="jp-mlops-Form">
        <label htmlFor="jp-mlops-alias">{trans.__('Alias')}</label>
        <input
          id="jp-mlops-alias"
          className="jp-mod-styled"
          list="jp-mlops-alias-names"
          value={alias}
          maxLength={63}
          onChange={event => {
            setAlias(event.target.value);
            props.form.alias = event.target.value;
          }}
        />
        <datalist id="jp-mlops-alias-names">
          {['staging', 'champion', 'challenger', 'candidate'].map(name => (
            <option key={name} value={name} />
          ))}
        </datalist>
        <p className="jp-mlops-Form-note">
          {now === undefined
            ? trans.__('A new alias.')
            : trans.__('Moves it from version %1.', now)}
        </p>
      </div>
    );
  }
}
