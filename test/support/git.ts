import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { inject } from 'vitest';

import { BridgeClient } from '../../src/bridge/client';

/**
 * The bare repository of a client's store, on the test server's disk.
 */
export function storeGitDir(client: BridgeClient): string {
  return join(
    inject('jupyterServer').rootDir,
    client.store ?? '',
    'experiments.git'
  );
}

/**
 * The git CLI on one repository (committer set, output trimmed): what the
 * tests check the store with, and write hostile objects with.
 */
export function gitCli(
  gitDir: string
): (args: string[], input?: string | Buffer) => string {
  return (args, input) =>
    execFileSync('git', ['--git-dir', gitDir, ...args], {
      input,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t'
      }
    }).trim();
}

/**
 * Point `ref` at a commit whose `manifest.json` is `text`, written with the
 * git CLI (a manifest the extension would never write).
 */
export function writeManifestCommit(
  git: ReturnType<typeof gitCli>,
  ref: string,
  text: string
): string {
  const blob = git(['hash-object', '-w', '--stdin'], text);
  const tree = git(['mktree'], `100644 blob ${blob}\tmanifest.json\n`);
  const commit = git(['commit-tree', tree, '-m', 'corrupt']);
  git(['update-ref', ref, commit]);
  return commit;
}
