import { describe, expect, it } from 'vitest';

import { readCells } from '../../src/notebook/cells';
import { scanNotebook } from '../../src/notebook/secrets';

function scan(source: string, cellType = 'code') {
  return scanNotebook(
    readCells({
      cells: [{ cell_type: cellType, source, metadata: {}, outputs: [] }]
    })
  ).map(f => ({ line: f.line, column: f.column, rule: f.rule }));
}

describe('scanNotebook() and unquoted secrets', () => {
  it.each([
    ['PASSWORD=hunter2hunter2', 1, 10],
    ['import os\nDB_PASSWORD=hunter2hunter2', 2, 13],
    ['%env PASSWORD=hunter2hunter2', 1, 15],
    ['%env PASSWORD hunter2hunter2', 1, 15],
    ['%set_env API_TOKEN=hunter2hunter2', 1, 20],
    ['!export PASSWORD=hunter2hunter2', 1, 18],
    ['! export DB_PASSWORD=hunter2hunter2', 1, 22],
    ['!PASSWORD=hunter2hunter2 python train.py', 1, 11],
    ['%%bash\nexport PASSWORD=hunter2hunter2', 2, 17],
    ['%%bash\nPASSWORD=hunter2hunter2', 2, 10],
    ['%%bash\n  export PASSWORD=hunter2hunter2', 2, 19],
    ['%%sh\nPASSWORD=s3cr3t-Value ./run.sh', 2, 10],
    ['%%writefile .env\nPASSWORD=hunter2hunter2\nUSER=me', 2, 10],
    ['%%script bash\nexport SLACK_TOKEN=abcdefgh;echo', 2, 20]
  ])('should find the password in %j', (source, line, column) => {
    expect(scan(source)).toEqual([{ line, column, rule: 'secret-assignment' }]);
  });

  it('should find it in a markdown cell too', () => {
    expect(
      scan('Log in with PASSWORD=x\n\nPASSWORD=hunter2hunter2', 'markdown')
    ).toHaveLength(1);
  });

  it.each([
    'PASSWORD=password_var',
    'PASSWORD=getpass_value',
    'PASSWORD=os.environ',
    'PASSWORD=getpass()',
    'TOKEN=token_v2',
    'PASSWORD=pwd1',
    'PASSWORD=12345678',
    'SECRET=secret',
    '%env PASSWORD=changeme',
    '%env PASSWORD $SECRET',
    '%%bash\nexport PWD=/home/me/projects2',
    '%%bash\nPASSWORD=$(cat /run/secrets/db)',
    '%%bash\nTOKEN=${TOKEN:-}',
    '%%bash\nexport PASSWORD=<your-password>',
    '!pip install tokenizers==0.19.1',
    '!echo PASSWORD',
    '%%capture\nPASSWORD=password_var',
    'x = 1 # %%bash\nPASSWORD=passwd_v'
  ])('should not flag %j', source => {
    expect(scan(source)).toEqual([]);
  });

  it('should stay linear on a hostile shell line', () => {
    const line = `%%bash\n!${'A'.repeat(50_000)}PASSWORD=${'a1'.repeat(100_000)}${' ;'.repeat(50_000)}`;
    const started = Date.now();
    expect(scan(line)).toHaveLength(1);
    const spaces = `%%bash\n${' '.repeat(200_000)}PASSWORD=`;
    expect(scan(spaces)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
