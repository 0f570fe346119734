import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

import { scanModel, secretsCheck } from '../../src/registry/modelScan';

/**
 * The deploy preflight's secret scan: the strings inside a real pickle,
 * the model's text files, the experiment's notebook.
 */

const GITHUB = 'ghp_' + 'EXAMPLE'.padEnd(36, '0');
const encode = (text: string) => new TextEncoder().encode(text);

/** A real pickle (protocol 4) of a dict holding `value`. */
function pickleHolding(value: string): Uint8Array {
  const code =
    'import pickle, sys\n' +
    'sys.stdout.buffer.write(pickle.dumps({"coef": [0.5, 1.5], "token": sys.argv[1]}, protocol=4))\n';
  return new Uint8Array(execFileSync('python', ['-c', code, value]));
}

describe('scanModel()', () => {
  it('should find a token inside a pickle, and name the file', () => {
    const findings = scanModel(
      [
        { path: 'MLmodel', bytes: encode('flavors: {}\n') },
        { path: 'model.pkl', bytes: pickleHolding(GITHUB) }
      ],
      null
    );
    expect(findings.map(f => [f.rule, f.path])).toEqual([
      [expect.stringContaining('github'), 'model.pkl']
    ]);
    const check = secretsCheck(findings, { files: 2, notebook: false });
    expect(check.ok).toBe(false);
    expect(check.reason).toContain('model.pkl, line');
    expect(check.reason).not.toContain(GITHUB); // redacted
  });

  it("should find one in the experiment's notebook", () => {
    const cells = [
      { source: 'x = 1\n', outputs: [] },
      { source: `token = "${GITHUB}"\n`, outputs: [] }
    ];
    const findings = scanModel(
      [{ path: 'requirements.txt', bytes: encode('numpy==2\n') }],
      cells
    );
    const check = secretsCheck(findings, { files: 1, notebook: true });
    expect(check.ok).toBe(false);
    expect(check.reason).toContain('notebook cell 2, line 1');
  });

  it('should pass a clean model and say what it scanned', () => {
    const findings = scanModel(
      [{ path: 'model.pkl', bytes: pickleHolding('not a secret') }],
      [{ source: 'import numpy\n', outputs: [] }]
    );
    expect(secretsCheck(findings, { files: 1, notebook: true })).toEqual({
      id: 'secrets',
      ok: true,
      reason: 'none in 1 model files and its notebook'
    });
  });
});
