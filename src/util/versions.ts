/**
 * Ordering of package versions as pip orders them (PEP 440), so an
 * environment diff can say "upgraded" or "downgraded" rather than only
 * "changed". Versions that are not PEP 440 compare as equal or not at all.
 */

/**
 * -1, 0 or 1 as `a` is older than, the same as or newer than `b`; null
 * when one of them is not a PEP 440 version and they differ as text.
 */
export function compareVersions(a: string, b: string): -1 | 0 | 1 | null {
  if (a === b) {
    return 0;
  }
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (x === null || y === null) {
    return a.trim().toLowerCase() === b.trim().toLowerCase() ? 0 : null;
  }
  return Private.compareKeys(x, y);
}

/**
 * A parsed PEP 440 version: each part as digit strings (no leading zeros),
 * so very long numbers compare without losing precision.
 */
export interface IVersion {
  epoch: string;
  /** Release numbers without trailing zeros (1.0.0 is 1). */
  release: string[];
  /** Pre-release: phase 0 alpha, 1 beta, 2 release candidate. */
  pre: [number, string] | null;
  post: string | null;
  dev: string | null;
  local: string | null;
}

/**
 * Parse a PEP 440 version (normalising spellings such as `1.0-RC1`,
 * `v2`, `1.0.post`), or null when it is not one. At most 200 characters.
 */
export function parseVersion(text: string): IVersion | null {
  if (typeof text !== 'string' || text.length > 200) {
    return null;
  }
  const match = Private.PATTERN.exec(text.trim().toLowerCase());
  if (!match) {
    return null;
  }
  const [
    ,
    epoch,
    release,
    prePhase,
    preN,
    postDash,
    ,
    postN,
    dev,
    devN,
    local
  ] = match;
  const parts = release.split('.').map(Private.digits);
  while (parts.length > 1 && parts[parts.length - 1] === '0') {
    parts.pop();
  }
  const phase = prePhase
    ? prePhase.startsWith('a')
      ? 0
      : prePhase === 'b' || prePhase === 'beta'
        ? 1
        : 2
    : null;
  const post =
    postDash !== undefined
      ? Private.digits(postDash)
      : postN !== undefined
        ? Private.digits(postN || '0')
        : null;
  return {
    epoch: Private.digits(epoch ?? '0'),
    release: parts,
    pre: phase === null ? null : [phase, Private.digits(preN || '0')],
    post,
    dev: dev ? Private.digits(devN || '0') : null,
    local: local ?? null
  };
}

namespace Private {
  // PEP 440 appendix B, with the groups this module needs.
  export const PATTERN =
    /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(alpha|beta|preview|pre|a|b|c|rc)[-_.]?(\d*))?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d*))?(?:[-_.]?(dev)[-_.]?(\d*))?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$/;

  /**
   * A digit string without leading zeros.
   */
  export function digits(value: string): string {
    return value.replace(/^0+(?=\d)/, '');
  }

  /**
   * Compare two digit strings as numbers.
   */
  export function compareDigits(a: string, b: string): -1 | 0 | 1 {
    if (a.length !== b.length) {
      return a.length < b.length ? -1 : 1;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  }

  function compareRelease(a: string[], b: string[]): -1 | 0 | 1 {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const c = compareDigits(a[i] ?? '0', b[i] ?? '0');
      if (c !== 0) {
        return c;
      }
    }
    return 0;
  }

  // The pre-release rank: a dev release of a final version (1.0.dev1)
  // sorts before its alphas; a final or post release after its rcs.
  function preRank(v: IVersion): [number, string] {
    if (v.pre !== null) {
      return v.pre;
    }
    if (v.dev !== null && v.post === null) {
      return [-1, '0'];
    }
    return [3, '0'];
  }

  export function compareKeys(a: IVersion, b: IVersion): -1 | 0 | 1 {
    const steps: (() => -1 | 0 | 1)[] = [
      () => compareDigits(a.epoch, b.epoch),
      () => compareRelease(a.release, b.release),
      () => {
        const [pa, na] = preRank(a);
        const [pb, nb] = preRank(b);
        return pa !== pb ? (pa < pb ? -1 : 1) : compareDigits(na, nb);
      },
      // No post release sorts before any post release.
      () =>
        a.post === b.post
          ? 0
          : a.post === null
            ? -1
            : b.post === null
              ? 1
              : compareDigits(a.post, b.post),
      // No dev release sorts after any dev release.
      () =>
        a.dev === b.dev
          ? 0
          : a.dev === null
            ? 1
            : b.dev === null
              ? -1
              : compareDigits(a.dev, b.dev),
      // A local version (+cu121) sorts after the public one.
      () =>
        a.local === b.local
          ? 0
          : a.local === null
            ? -1
            : b.local === null
              ? 1
              : a.local < b.local
                ? -1
                : 1
    ];
    for (const step of steps) {
      const c = step();
      if (c !== 0) {
        return c;
      }
    }
    return 0;
  }
}
