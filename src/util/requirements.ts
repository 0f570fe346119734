/**
 * A snapshot's packages as a pinned `requirements.txt`: `name==version` a
 * line, sorted. The manifest is a file anyone with write access to the
 * store (or a pushed experiment) could have made, and requirements.txt is
 * read by pip, where a line such as `--index-url …` changes where every
 * package comes from: only a PEP 508 distribution name and a PEP 440
 * version, without spaces or markers, make a line. Anything else is left
 * out and named in `dropped`.
 */
export interface IPinned {
  text: string;
  dropped: string[];
}

/** A distribution name (PEP 508: letters, digits, `.`, `_`, `-`; starts and ends alphanumeric). */
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,198}[A-Za-z0-9])?$/;
/** A version as pip reads one after `==` (PEP 440 and local versions; no spaces, no `;`). */
const VERSION = /^[A-Za-z0-9][A-Za-z0-9.+!_*-]{0,99}$/;

export function pinnedRequirements(packages: unknown): IPinned {
  const dropped: string[] = [];
  if (typeof packages !== 'object' || packages === null) {
    return { text: '', dropped };
  }
  const lines: string[] = [];
  for (const [name, version] of Object.entries(packages)) {
    if (
      typeof version === 'string' &&
      NAME.test(name) &&
      VERSION.test(version)
    ) {
      lines.push(`${name}==${version}\n`);
    } else {
      dropped.push(name.slice(0, 100));
    }
  }
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { text: lines.join(''), dropped };
}
