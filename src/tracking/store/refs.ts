/**
 * The names of experiment refs: one ref per experiment,
 * `refs/exps/<notebook-slug>/<ULID>`, never rewritten by anyone else.
 */

/**
 * `refs/exps/<slug>/<id>`.
 */
export function experimentRef(slug: string, id: string): string {
  return `refs/exps/${slug}/${id}`;
}

/**
 * The slug and id of an experiment ref, or null when it is not one.
 */
export function parseExperimentRef(
  ref: string
): { slug: string; id: string } | null {
  const match =
    /^refs\/exps\/([a-z0-9-]{1,80})\/([0-9A-HJKMNP-TV-Z]{26})$/.exec(ref);
  return match ? { slug: match[1], id: match[2] } : null;
}
