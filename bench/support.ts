import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Median and 95th percentile of a sample, in milliseconds.
 */
export function stats(samples: number[]): { median: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p95: at(0.95) };
}

/**
 * Time `run` `count` times after `warmup` untimed runs.
 */
export async function sample(
  count: number,
  run: (i: number) => Promise<void>,
  warmup = 3
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) {
    await run(-1 - i);
  }
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await run(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

const RESULTS = join(__dirname, 'RESULTS.md');

/**
 * Replace the section `## title` of bench/RESULTS.md with `body`.
 */
export function writeSection(title: string, body: string): void {
  let text = '';
  try {
    text = readFileSync(RESULTS, 'utf8');
  } catch {
    text =
      "# Benchmark results\n\nMedians of several runs on this project's 2-core machine; each table compares our operation with a peer doing the same work in the same run. Regenerate with the command in each section.\n";
  }
  const heading = `## ${title}`;
  const start = text.indexOf(heading);
  const section = `${heading}\n\n${body.trim()}\n`;
  if (start < 0) {
    text = `${text.trimEnd()}\n\n${section}`;
  } else {
    const next = text.indexOf('\n## ', start + heading.length);
    text =
      text.slice(0, start) +
      section +
      (next < 0 ? '' : `\n${text.slice(next + 1)}`);
  }
  writeFileSync(RESULTS, text.endsWith('\n') ? text : `${text}\n`);
}
