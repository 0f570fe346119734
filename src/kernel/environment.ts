import { encodeBase64 } from '../util/base64';

/**
 * The kernel's environment as a snapshot records it (the manifest's
 * `environment`, and `requirements.txt`): Python, platform, and the
 * distributions the user's code imported, with versions. DOM-free; the
 * Python runs in the kernel from one user expression.
 *
 * "What the user's code imported" is every top-level module loaded now,
 * less:
 * - the modules already loaded when the audit hook was installed, before
 *   the first cell ran (`auditHook.ts` keeps that set on `sys` when the
 *   kernel has run no cell yet; a hook installed later keeps none);
 * - the distributions of the kernel's own dependency closure: ipykernel's
 *   requirements, recursively, read with `importlib.metadata` (extras
 *   left out). That covers what the kernel loads lazily for itself: stack
 *   data and asttokens to show a traceback, pexpect for `!cmd`.
 *
 * A package both the kernel and the user need (the user imports
 * `tornado`, `packaging`) is therefore left out; the pipeline's steps get
 * it with the kernel's own install. Reading every installed distribution's
 * metadata takes ~100 ms, so the answer is cached on `sys` (never the
 * user's namespace), keyed by the set of loaded top-level modules.
 */

/**
 * The distributions whose dependency closure is the kernel's own.
 */
export const KERNEL_ROOTS = ['ipykernel'] as const;

const SOURCE = `
def _environment(roots):
    import sys, json, re, platform
    import importlib.metadata as md
    loaded = tuple(sorted(m for m in sys.modules if '.' not in m and not m.startswith('_')))
    # Not '_jupyterlab_mlops_env': a kernel that an older version asked
    # holds its answer, with the kernel's machinery in it, under that name.
    cached = getattr(sys, '_jupyterlab_mlops_env2', None)
    if cached and cached[0] == loaded:
        return cached[1]
    norm = lambda name: re.sub(r'[-_.]+', '-', name).lower()
    dists = {}
    for dist in md.distributions():
        name = dist.metadata['Name'] or ''
        if name:
            dists.setdefault(norm(name), dist)
    own = set()
    todo = [norm(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in own:
            continue
        own.add(name)
        dist = dists.get(name)
        for req in (dist.requires or []) if dist is not None else []:
            spec, _, marker = req.partition(';')
            if 'extra' in marker:
                continue
            found = re.match(r'\\s*([A-Za-z0-9][A-Za-z0-9._-]*)', spec)
            if found:
                todo.append(norm(found.group(1)))
    baseline = getattr(sys, '_jupyterlab_mlops_baseline', None) or frozenset()
    owners = md.packages_distributions()
    packages = {}
    for module in loaded:
        if module in baseline:
            continue
        for name in owners.get(module, []):
            dist = dists.get(norm(name))
            if dist is not None and norm(name) not in own:
                packages[name] = dist.version
    answer = json.dumps({'python': platform.python_version(),
                         'platform': platform.platform(), 'packages': packages})
    sys._jupyterlab_mlops_env2 = (loaded, answer)
    return answer
_result = _environment(_roots)
`;

/**
 * The user expression that answers the environment as JSON text.
 */
export function environmentExpression(): string {
  const source = `_roots = ${JSON.stringify(KERNEL_ROOTS)}\n${SOURCE}`;
  const encoded = encodeBase64(new TextEncoder().encode(source));
  return (
    "(lambda ns: (exec(__import__('base64').b64decode('" +
    encoded +
    "').decode('utf-8'), ns), ns['_result'])[1])" +
    "({'__name__': '_jupyterlab_mlops_env'})"
  );
}
