import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

/** What a KServe manifest is made with. */
export interface IKserveChoice {
  storageUri: string;
  cpu: string;
  memory: string;
}

/**
 * Ask where the version's files will be for KServe (its storage URI) and
 * what the predictor may use; null when cancelled.
 */
export async function kserveDialog(
  model: string,
  version: number,
  trans: TranslationBundle
): Promise<IKserveChoice | null> {
  const body = new Private.KserveForm(
    {
      storageUri: `s3://models/${encodeURIComponent(model)}/${version}`,
      cpu: '1',
      memory: '2Gi'
    },
    trans
  );
  const result = await showDialog({
    title: trans.__('KServe manifest of %1 version %2', model, version),
    body,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: trans.__('Write manifest') })
    ],
    focusNodeSelector: 'input'
  });
  return result.button.accept ? body.choice : null;
}

namespace Private {
  export class KserveForm extends ReactWidget {
    constructor(
      public choice: IKserveChoice,
      readonly trans: TranslationBundle
    ) {
      super();
      this.addClass('jp-mlops-KserveForm');
    }

    render(): JSX.Element {
      return <KserveFields form={this} />;
    }
  }

  function KserveFields(props: { form: KserveForm }): JSX.Element {
    const { trans } = props.form;
    const [choice, setChoice] = useState(props.form.choice);
    const field = (key: keyof IKserveChoice, label: string, max: number) => (
      <>
        <label htmlFor={`jp-mlops-kserve-${key}`}>{label}</label>
        <input
          id={`jp-mlops-kserve-${key}`}
          className="jp-mod-styled"
          value={choice[key]}
          maxLength={max}
          spellCheck={false}
          onChange={event => {
            const next = { ...choice, [key]: event.target.value };
            setChoice(next);
            props.form.choice = next;
          }}
        />
      </>
    );
    return (
      <div className="jp-mlops-Form">
        {field('storageUri', trans.__('Storage URI'), 2048)}
        <p className="jp-mlops-Form-note">
          {trans.__(
            'Copy the version’s model/ folder there (s3://, gs://, pvc://, https://, hdfs://, oci://); KServe serves it with its mlflow model format (V2 protocol).'
          )}
        </p>
        {field('cpu', trans.__('CPU (request and limit)'), 32)}
        {field('memory', trans.__('Memory (request and limit)'), 32)}
      </div>
    );
  }
}
