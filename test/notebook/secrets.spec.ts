import { describe, expect, it } from 'vitest';

import { MlopsError } from '../../src/errors';
import {
  assertNoSecrets,
  ISecretFinding,
  scanNotebook,
  scanText,
  SecretWhere
} from '../../src/notebook/secrets';

/**
 * Fake credentials, well-formed but built at runtime so that this file holds
 * no literal that a secret scanner (or GitHub push protection) would flag.
 */
const fake = {
  awsKeyId: 'AKIA' + 'EXAMPLE'.padEnd(16, 'X'),
  awsSessionKeyId: 'ASIA' + 'EXAMPLE'.padEnd(16, '7'),
  awsSecret: 'EXAMPLE/'.padEnd(40, 'k'),
  gcpApiKey: 'AIza' + 'EXAMPLE'.padEnd(35, '0'),
  azureAccountKey: 'EXAMPLE'.padEnd(86, 'A') + '==',
  azureClientSecret: 'Ab1' + '8Q~' + 'EXAMPLE'.padEnd(34, 'x'),
  github: 'ghp_' + 'EXAMPLE'.padEnd(36, '0'),
  githubOauth: 'gho_' + 'EXAMPLE'.padEnd(36, '1'),
  githubFine:
    'github' + '_pat_' + 'EXAMPLE'.padEnd(22, '0') + '_' + 'EX'.padEnd(59, '0'),
  gitlab: 'glpat' + '-' + 'EXAMPLE'.padEnd(20, '0'),
  slack: 'xoxb' + '-1234567890-' + 'EXAMPLE'.padEnd(24, '0'),
  slackWebhook:
    'https://hooks.slack' +
    '.com/services/T' +
    'EXAMPLE1/B' +
    'EXAMPLE2/' +
    'EXAMPLE'.padEnd(24, 'q'),
  pemHeader: (kind = 'RSA ') => `-----BEGIN ${kind}PRIVATE` + ' KEY-----',
  pemBody: 'MIIEow' + 'EXAMPLE'.padEnd(58, 'A')
};

const pem = [fake.pemHeader(), fake.pemBody, fake.pemBody, '-----END KEY-----'];

function rules(text: string, where: SecretWhere = 'source'): string[] {
  return scanText(text, { cell: 0, where }).map(finding => finding.rule);
}

/** Deterministic bytes that are not text. */
function noise(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let seed = 42;
  for (let i = 0; i < length; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    bytes[i] = seed >> 16;
  }
  return bytes;
}

function base64Of(bytes: Uint8Array): string {
  let binary = '';
  bytes.forEach(byte => (binary += String.fromCharCode(byte)));
  return btoa(binary);
}

describe('scanText()', () => {
  describe('#rules', () => {
    /** Per rule: texts it flags, then near misses that nothing flags. */
    const cases: Record<string, [string[], string[]]> = {
      'aws-access-key-id': [
        [`aws_key = "${fake.awsKeyId}"`, `k = ("${fake.awsSessionKeyId}", x)`],
        [
          `"${'AKIA' + 'EXAMPLE'.padEnd(15, 'X')}"`,
          `"${'AKIA' + 'EXAMPLE'.padEnd(17, 'X')}"`,
          `"${fake.awsKeyId.toLowerCase()}"`
        ]
      ],
      'aws-secret-access-key': [
        [
          `aws_secret_access_key = "${fake.awsSecret}"`,
          `{"SecretAccessKey": "${fake.awsSecret}"}`
        ],
        [
          `checksum = "${fake.awsSecret}"`,
          'aws_secret_access_key = os.environ["AWS_SECRET_ACCESS_KEY"]'
        ]
      ],
      'gcp-service-account': [
        [
          `{\n  "type": "service_account",\n  "private_key": "${fake.pemHeader('')}\\n${fake.pemBody}\\n"\n}`
        ],
        ['{"type": "service_account", "client_email": "bot@demo.iam"}']
      ],
      'gcp-api-key': [
        [`maps.Client(key="${fake.gcpApiKey}")`],
        [`"${fake.gcpApiKey.slice(0, -1)}"`]
      ],
      'azure-storage-key': [
        [
          `conn = "DefaultEndpointsProtocol=https;AccountName=demo;AccountKey=${fake.azureAccountKey};EndpointSuffix=core.windows.net"`
        ],
        [
          'AccountKey=<your-key>;EndpointSuffix=x',
          `AccountKey=${fake.azureAccountKey.slice(4)}`
        ]
      ],
      'azure-client-secret': [
        [
          `ClientSecretCredential(t, c, "${fake.azureClientSecret}")`,
          'AZURE_CLIENT_SECRET = "example-client-value"'
        ],
        [
          `"${fake.azureClientSecret.replace('8Q', 'xQ')}"`,
          'AZURE_CLIENT_SECRET = os.getenv("SECRET")'
        ]
      ],
      'github-token': [
        [`g = Github("${fake.github}")`, `auth: ${fake.githubOauth}`],
        [`"${fake.github.slice(0, -1)}"`, `"${'ghx' + fake.github.slice(3)}"`]
      ],
      'github-fine-grained-token': [
        [`Github(auth=Token("${fake.githubFine}"))`],
        [`"${fake.githubFine.slice(0, -2)}"`]
      ],
      'gitlab-token': [
        [`gitlab.Gitlab(url, private_token="${fake.gitlab}")`],
        [`"${fake.gitlab.slice(0, -1)}"`]
      ],
      'slack-token': [
        [`WebClient("${fake.slack}")`],
        ['xoxb-your-token-here', 'xoxb-123-abc']
      ],
      'slack-webhook': [
        [`requests.post("${fake.slackWebhook}", json=msg)`],
        [
          'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX'
        ]
      ],
      'private-key': [
        [
          pem.join('\n'),
          `key = "${fake.pemHeader('EC ')}\\n${fake.pemBody}"`,
          `${fake.pemHeader('OPENSSH ')}\n${fake.pemBody}`
        ],
        [
          `-----BEGIN PUBLIC KEY-----\n${fake.pemBody}`,
          `if line.startswith("${fake.pemHeader()}"):\n    n += 1`,
          `"${fake.pemHeader()}\\nMIIE...\\n"`
        ]
      ],
      'secret-assignment': [
        [
          'DB_PASSWORD = "hunter2-example"',
          'password: str = "hunter2-example"',
          'config:\n  password: "hunter2-example"',
          'os.environ["OPENAI_API_KEY"] = "sk-example-1234"',
          "os.environ['HF_TOKEN']='hf-example-1234'",
          'os.environ.setdefault("MY_SECRET", "example-1234")',
          'headers = {"X-API-Key": "example-123456"}',
          'login(token="hf-example-example")',
          'conn = connect(user="me", passwd=r"s3cr3t-example")',
          'SECRET_KEY = "django-insecure-example"',
          '!export API_TOKEN=example123',
          '%env MLFLOW_TRACKING_PASSWORD=example123'
        ],
        [
          'password = getpass.getpass("Password: ")',
          'token = os.environ["HF_TOKEN"]',
          'api_key = os.getenv("API_KEY")',
          'DB_PASSWORD = ""',
          'DB_PASSWORD = None',
          'GITHUB_TOKEN = "<your-token>"',
          'GITHUB_TOKEN = "xxxxxxxxxxxx"',
          'PASSWORD = "changeme"',
          'PASSWORD = "***"',
          'PASSWORD = "********"',
          'API_KEY = "${API_KEY}"',
          'API_KEY: "{{ secrets.api_key }}"',
          'SECRET = "abc"',
          'api_key="sk-..."',
          'API_KEY = f"{prefix}-{suffix}-key"',
          'if password == "hunter2-example":',
          'API_TOKEN=hf_token',
          'API_TOKEN=$(cat ~/.token)'
        ]
      ]
    };
    const table = (pick: 0 | 1) =>
      Object.entries(cases).flatMap(([rule, texts]) =>
        texts[pick].map(text => [rule, text])
      );

    it.each(table(0))('should flag %s in %j', (rule, text) => {
      expect(rules(text)).toEqual([rule]);
    });

    it.each(table(1))('should not flag a near miss of %s: %j', (_, text) => {
      expect(rules(text)).toEqual([]);
    });

    it('should prefer the specific rule where two overlap', () => {
      expect(rules(`GITHUB_TOKEN = "${fake.github}"`)).toEqual([
        'github-token'
      ]);
      expect(rules(`AWS_SECRET_ACCESS_KEY="${fake.awsSecret}"`)).toEqual([
        'aws-secret-access-key'
      ]);
    });

    it('should read .env lines literally in outputs and files', () => {
      expect(rules('API_TOKEN=example_token', 'output')).toEqual([
        'secret-assignment'
      ]);
      expect(rules('DB_PASSWORD=hunter2 # local only', 'file')).toEqual([
        'secret-assignment'
      ]);
      expect(
        rules('PWD=/home/jovyan/work\nOLDPWD=/home/jovyan', 'output')
      ).toEqual([]);
    });
  });

  describe('#false positives', () => {
    it.each([
      'tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")',
      'max_tokens = 512',
      'password_field = form["password"]',
      'TOKEN_LIMIT = 4096',
      'MAX_TOKEN = 4096',
      'PAGE_TOKEN = "1234567890"',
      'tokens = tokenizer(text, max_length=512, truncation=True)',
      'model = AutoModel.from_pretrained(name, token=hf_token)',
      '    token=hf_token,',
      'mask_token = "[MASK]"',
      'special_tokens = {"pad_token": "<pad>", "eos_token": "</s>"}',
      'secret_name = "prod-db"',
      'print("Token: ", token)',
      'pwd = os.getcwd()',
      'digest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"',
      'commit = "9fceb02d0ae598e95dc970b74767f19372d61af8"',
      'run_id = "123e4567-e89b-12d3-a456-426614174000"',
      'df = pd.read_csv("s3://bucket/data/2024/01/training_set_v2.csv")',
      'layer = nn.TransformerEncoderLayer(d_model=512, nhead=8)',
      '<td>AccountKeyRotationEnabledForAllStorageAccounts</td>'
    ])('should not flag %j', text => {
      expect(rules(text)).toEqual([]);
    });

    it('should not flag a long pandas DataFrame as HTML', () => {
      const rows = Array.from(
        { length: 2000 },
        (_, i) =>
          `    <tr>\n      <th>${i}</th>\n      <td>${(i * 0.37).toFixed(3)}</td>\n      <td>user_${i}_tokenized_text_sample</td>\n      <td>2024-01-${(i % 28) + 1}</td>\n    </tr>`
      );
      const html = [
        '<div>\n<style scoped>\n    .dataframe tbody tr th:only-of-type {\n        vertical-align: middle;\n    }\n</style>',
        '<table border="1" class="dataframe">\n  <thead>\n    <tr style="text-align: right;">\n      <th></th>\n      <th>password_strength</th>\n      <th>token_count</th>\n    </tr>\n  </thead>\n  <tbody>',
        ...rows,
        '  </tbody>\n</table>\n<p>2000 rows × 3 columns</p>\n</div>'
      ].join('\n');
      expect(rules(html, 'output')).toEqual([]);
    });
  });

  describe('#base64', () => {
    it('should find a secret in base64 text, placed at the base64', () => {
      const encoded = btoa(`AWS_SECRET_ACCESS_KEY=${fake.awsSecret}\n`);
      const findings = scanText(`ok\ncreds: ${encoded}`, {
        cell: 2,
        where: 'output',
        output: 0
      });
      expect(findings).toEqual([
        {
          rule: 'aws-secret-access-key',
          description: 'AWS secret access key (base64-encoded)',
          cell: 2,
          where: 'output',
          output: 0,
          line: 2,
          column: 8,
          preview: 'EXAM…'
        }
      ]);
    });

    it('should find a service-account key in base64 JSON', () => {
      const json = JSON.stringify(
        {
          type: 'service_account',
          project_id: 'demo',
          private_key: `${fake.pemHeader('')}\n${fake.pemBody}\n`
        },
        null,
        2
      );
      expect(rules(`GOOGLE_CREDENTIALS_B64 = "${btoa(json)}"`)).toEqual([
        'gcp-service-account'
      ]);
    });

    it('should decode base64 wrapped over several lines', () => {
      const encoded = btoa(`# ci\nexport GH=${fake.github}\n`.repeat(2));
      const wrapped = encoded.match(/.{1,76}/g) ?? [];
      expect(wrapped.length).toBeGreaterThan(1);
      const findings = scanText(['$ base64 .env', ...wrapped].join('\n'), {
        cell: 0,
        where: 'output'
      });
      expect(findings.map(f => [f.rule, f.line])).toEqual([
        ['github-token', 2],
        ['github-token', 2]
      ]);
    });

    it('should decode base64 inside base64 once more, not forever', () => {
      const once = btoa(`key=${fake.awsKeyId}`);
      expect(rules(btoa(once))).toEqual(['aws-access-key-id']);
      expect(rules(btoa(btoa(once)))).toEqual([]);
    });

    it('should not flag base64 of binary data or of plain text', () => {
      expect(rules(base64Of(noise(3000)), 'output')).toEqual([]);
      expect(
        rules(btoa('The quick brown fox jumps over the lazy dog. '.repeat(9)))
      ).toEqual([]);
      expect(
        rules(`<img src="data:image/png;base64,${base64Of(noise(9000))}">`)
      ).toEqual([]);
    });
  });

  describe('#findings', () => {
    it('should name the cell, line and column, and redact the secret', () => {
      const findings = scanText(`x = 1\n  key = "${fake.awsKeyId}"`, {
        cell: 3,
        where: 'source'
      });
      expect(findings).toEqual([
        {
          rule: 'aws-access-key-id',
          description: 'AWS access key',
          cell: 3,
          where: 'source',
          line: 2,
          column: 10,
          preview: 'AKIA…'
        }
      ]);
      expect(JSON.stringify(findings)).not.toContain(fake.awsKeyId);
    });

    it('should show less of short secrets', () => {
      const [finding] = scanText('PASSWORD = "hunter"', {
        cell: null,
        where: 'file',
        path: 'config.py'
      });
      expect(finding.preview).toBe('hu…');
      expect(finding.path).toBe('config.py');
      expect(finding.description).toBe('Hard-coded password in PASSWORD');
    });

    it('should count lines across CRLF and sort by line and column', () => {
      const text = `a = "${fake.github}"; b = "${fake.gitlab}"\r\n\r\nc = "${fake.slack}"`;
      const findings = scanText(text, { cell: 0, where: 'source' });
      expect(findings.map(f => [f.rule, f.line, f.column])).toEqual([
        ['github-token', 1, 6],
        ['gitlab-token', 1, 54],
        ['slack-token', 3, 6]
      ]);
    });
  });

  describe('#huge input', () => {
    it.each([
      ['a', 'a'.repeat(1e6)],
      ['=', '='.repeat(1e6)],
      ['AKIA', 'AKIA'.repeat(250_000)],
      ['TOKEN + spaces', ('TOKEN' + ' '.repeat(995)).repeat(1000)],
      ['x="', 'x="'.repeat(350_000)],
      ['base64 alphabet', 'Ab0+/'.repeat(200_000)],
      ['-----BEGIN', '-----BEGIN '.repeat(100_000)],
      ['TOKEN-', 'TOKEN-'.repeat(170_000)],
      ['TOKEN: a.a.a', 'TOKEN: a' + '.a'.repeat(500_000)],
      ['glpat-', 'glpat-'.repeat(170_000)],
      ['xoxb-1-', 'xoxb-1-'.repeat(150_000)],
      ['ghp_', 'ghp_' + 'A'.repeat(1e6)],
      ['ANSI escapes', '\u001b['.repeat(500_000)]
    ])('should scan a 1 MB line of %s quickly and find nothing', (_, line) => {
      expect(rules(line, 'output')).toEqual([]);
    });

    it('should find a secret after 1 MB on one line', () => {
      const findings = scanText(`${'a'.repeat(1e6)} ${fake.awsKeyId}`, {
        cell: 0,
        where: 'output'
      });
      expect(findings.map(f => [f.rule, f.column])).toEqual([
        ['aws-access-key-id', 1e6 + 2]
      ]);
    });

    it('should find a secret across a window boundary exactly once', () => {
      for (const offset of [99_990, 100_000, 199_995]) {
        const line = `${'.'.repeat(offset)}${fake.github}${'.'.repeat(150_000)}`;
        const findings = scanText(line, { cell: 0, where: 'output' });
        expect(findings.map(f => f.column)).toEqual([offset + 1]);
      }
    });

    it('should scan a 5 MB notebook', () => {
      const png = base64Of(noise(12_000));
      const code = Array.from(
        { length: 300 },
        (_, i) =>
          `df_${i} = df.groupby("col_${i}").agg({"value": "mean"})  # step ${i}`
      ).join('\n');
      const html = Array.from(
        { length: 300 },
        (_, i) => `<tr><th>${i}</th><td>${i * 3}</td><td>row ${i}</td></tr>`
      ).join('\n');
      const cells = Array.from({ length: 100 }, (_, i) => ({
        source: code,
        outputs: [
          {
            output_type: 'stream',
            name: 'stdout',
            text: 'epoch 1 loss 0.3\n'.repeat(300)
          },
          {
            output_type: 'display_data',
            data: {
              'image/png': png,
              'text/html': html,
              'text/plain': '<Figure>'
            },
            metadata: {}
          },
          ...(i === 77
            ? [
                {
                  output_type: 'stream',
                  name: 'stdout',
                  text: `x\nGH_TOKEN=${fake.github}\n`
                }
              ]
            : [])
        ]
      }));
      expect(JSON.stringify(cells).length).toBeGreaterThan(5_000_000);
      expect(
        scanNotebook(cells).map(f => [
          f.cell,
          f.where,
          f.output,
          f.line,
          f.rule
        ])
      ).toEqual([[77, 'output', 2, 2, 'github-token']]);
    });
  });
});

describe('scanNotebook()', () => {
  it('should scan sources and every kind of text output', () => {
    const cells = [
      {
        source: ['import os\n', `os.environ["GH_TOKEN"] = "${fake.github}"\n`],
        outputs: [
          {
            output_type: 'stream',
            name: 'stdout',
            text: ['ok\n', fake.gitlab]
          },
          {
            output_type: 'execute_result',
            execution_count: 1,
            data: {
              'text/plain': [`'${fake.slack}'`],
              'text/html': `<pre>\n${fake.gcpApiKey}</pre>`,
              'application/json': { nested: { token: fake.awsKeyId } }
            },
            metadata: {}
          },
          {
            output_type: 'error',
            ename: 'ValueError',
            evalue: 'bad',
            traceback: [
              '\u001b[0;31mValueError\u001b[0m',
              `\u001b[38;5;28mPASSWORD\u001b[39m \u001b[38;5;241m=\u001b[39m \u001b[38;5;124m"hunter2-example"\u001b[39m`
            ]
          }
        ]
      }
    ];
    expect(
      scanNotebook(cells).map(f => [f.where, f.output ?? null, f.line, f.rule])
    ).toEqual([
      ['source', null, 2, 'github-token'],
      ['output', 0, 2, 'gitlab-token'],
      ['output', 1, 1, 'slack-token'],
      ['output', 1, 2, 'gcp-api-key'],
      ['output', 1, 3, 'aws-access-key-id'],
      ['output', 2, 2, 'secret-assignment']
    ]);
  });

  it('should not decode image, audio, video or PDF data', () => {
    const text = btoa(`GH_TOKEN=${fake.github}\n`);
    const data = {
      'image/png': text,
      'image/svg+xml': `<svg><text>${fake.github}</text></svg>`,
      'audio/wav': text,
      'video/mp4': text,
      'application/pdf': text
    };
    expect(
      scanNotebook([
        { source: '', outputs: [{ output_type: 'display_data', data }] }
      ])
    ).toEqual([]);
  });

  it('should skip malformed outputs', () => {
    const cyclic: Record<string, unknown> = { token: fake.github };
    cyclic.self = cyclic;
    const outputs = [
      null,
      42,
      'text',
      [fake.github],
      { output_type: 'stream', text: 7 },
      { output_type: 'display_data', data: [fake.github] },
      { output_type: 'display_data', data: { 'text/plain': 5 } },
      { output_type: 'error', traceback: 'not a list' },
      { output_type: 'error', traceback: [5, null], evalue: 9 },
      { output_type: 'execute_result', data: { 'application/json': cyclic } }
    ];
    expect(scanNotebook([{ source: 'x = 1', outputs }])).toEqual([]);
  });

  it('should sort by cell, source before output, output, then line', () => {
    const cells = [
      {
        source: `a = 1\nb = "${fake.github}"\nc = "${fake.gitlab}"`,
        outputs: [
          { output_type: 'stream', text: `\n\n\n${fake.slack}` },
          { output_type: 'stream', text: fake.gcpApiKey }
        ]
      },
      { source: `x = "${fake.awsKeyId}"` }
    ];
    expect(
      scanNotebook(cells).map(f => [f.cell, f.where, f.output ?? null, f.line])
    ).toEqual([
      [0, 'source', null, 2],
      [0, 'source', null, 3],
      [0, 'output', 0, 4],
      [0, 'output', 1, 1],
      [1, 'source', null, 1]
    ]);
  });
});

describe('assertNoSecrets()', () => {
  const finding = (over: Partial<ISecretFinding>): ISecretFinding => ({
    rule: 'aws-access-key-id',
    description: 'AWS access key',
    cell: 2,
    where: 'source',
    line: 2,
    column: 1,
    preview: 'AKIA…',
    ...over
  });

  function thrown(findings: ISecretFinding[]): MlopsError {
    try {
      assertNoSecrets(findings);
    } catch (error) {
      if (error instanceof MlopsError) {
        return error;
      }
      throw error;
    }
    throw new Error('assertNoSecrets did not throw');
  }

  it('should let a clean notebook through', () => {
    expect(assertNoSecrets([])).toBeUndefined();
    expect(
      assertNoSecrets(scanNotebook([{ source: 'x = 1' }]))
    ).toBeUndefined();
  });

  it('should name the first finding and count the others', () => {
    const findings = [finding({}), finding({ line: 5 }), finding({ cell: 4 })];
    const error = thrown(findings);
    expect(error.code).toBe('E_SECRET_FOUND');
    expect(error.message).toBe(
      'Cell 3, line 2: AWS access key (AKIA…). Remove it or load it from the ' +
        'environment, then snapshot again. 2 more possible secrets were found.'
    );
    expect(error.data).toEqual({ findings });
  });

  it('should say what to do about an output or a file', () => {
    expect(thrown([finding({ where: 'output', output: 0 })]).message).toBe(
      'Cell 3 output, line 2: AWS access key (AKIA…). Clear that output and ' +
        'stop printing the secret, then snapshot again.'
    );
    const file = finding({ cell: null, where: 'file', path: 'conf/.env' });
    expect(thrown([file, finding({})]).message).toMatch(
      /^conf\/\.env, line 2: .* 1 more possible secret was found\.$/
    );
  });

  it('should refuse a scanned notebook without showing the secret', () => {
    const error = thrown(
      scanNotebook([
        { source: 'import boto3' },
        { source: `x = 1\nk = "${fake.awsKeyId}"` }
      ])
    );
    expect(error.code).toBe('E_SECRET_FOUND');
    expect(error.message).toMatch(/^Cell 2, line 2: AWS access key \(AKIA…\)/);
    expect(error.message).not.toContain(fake.awsKeyId);
    expect(JSON.stringify(error)).not.toContain(fake.awsKeyId);
  });
});
