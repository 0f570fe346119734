import { encodeBase64 } from '../util/base64';

/**
 * Files the kernel actually opened: an audit hook (`sys.addaudithook`)
 * installed silently in the notebook's kernel records `open` events for
 * reading regular files under the project root, and a snapshot reads the
 * set back in its one `user_expressions` request. DOM-free.
 *
 * The hook's code runs in a namespace of its own (`exec` with a fresh dict,
 * from a user expression), so no name reaches the user's namespace and
 * nothing enters `In`/`Out` or the execution count. Its state lives on the
 * `sys` module (`sys._jupyterlab_mlops_audit`), which also makes the
 * install idempotent: audit hooks cannot be removed, so a second install
 * must not add a second hook.
 */

/**
 * Where the hook looks, from the frontend's point of view.
 */
export interface IAuditOptions {
  /** The notebook's path relative to the Jupyter root (never recorded). */
  notebookPath: string;
  /** The store folder relative to the root (never recorded). */
  store?: string;
  /** Most paths kept (default 2000); more set `truncated`. */
  limit?: number;
}

/**
 * The default bound of recorded paths per kernel.
 */
export const AUDIT_LIMIT = 2000;

// The hook, as Python. Fast path first: every audit event of the kernel
// (imports, exec, socket, …) calls it, so anything but `open` returns at
// once; then opens for writing, file descriptors, paths outside the root or
// inside an excluded prefix are dropped before any system call. A hook
// that raised would abort the user's `open`, hence the blanket `except`.
const HOOK_SOURCE = `
def _install(options):
    import sys
    if getattr(sys, '_jupyterlab_mlops_audit', None) is not None:
        return
    # The modules the kernel loaded for itself, while no cell has run yet
    # (environment.ts leaves them out of the user's imports). Later, the
    # user's imports are mixed in: then none is kept.
    try:
        shell = sys.modules['IPython'].get_ipython()
        if shell is not None and shell.execution_count <= 1:
            sys._jupyterlab_mlops_baseline = frozenset(
                m for m in sys.modules if '.' not in m)
    except Exception:
        pass
    import os, site, sysconfig
    from stat import S_ISREG
    cwd = os.getcwd()
    # The kernel of a notebook starts in the notebook's folder: the root is
    # that many folders up (else the working directory itself).
    folder = [p for p in options['folder'].split('/') if p]
    parts = cwd.split(os.sep)
    root = cwd
    if folder and len(parts) > len(folder) and parts[-len(folder):] == folder:
        root = os.sep.join(parts[:-len(folder)]) or os.sep
    root = os.path.realpath(root)
    prefix = root.rstrip(os.sep) + os.sep
    skip = set()
    def exclude(path):
        try:
            real = os.path.realpath(path).rstrip(os.sep) + os.sep
        except Exception:
            return
        # A folder that holds the root (a project inside sys.prefix) is
        # left to the site-packages and hidden-folder rules instead.
        if not prefix.startswith(real):
            skip.add(real)
    candidates = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    candidates += list(sysconfig.get_paths().values())
    try:
        candidates += list(site.getsitepackages())
        candidates.append(site.getusersitepackages())
    except Exception:
        pass
    candidates += ['/proc', '/dev', '/sys']
    if options['store']:
        candidates.append(os.path.join(root, *options['store'].split('/')))
    for candidate in candidates:
        if candidate:
            exclude(candidate)
    skip = tuple(sorted(skip))
    notebook = os.path.realpath(os.path.join(root, *options['notebook'].split('/')))
    limit = options['limit']
    paths = {}
    seen = {}
    state = {'version': 1, 'root': root, 'paths': paths, 'truncated': False}
    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    sep = os.sep
    getcwd, join, normpath = os.getcwd, os.path.join, os.path.normpath
    realpath, stat, fspath, fsdecode = os.path.realpath, os.stat, os.fspath, os.fsdecode
    code_suffixes = ('.py', '.pyc', '.pyo')
    def hook(event, args):
        if event != 'open':
            return
        try:
            path, _mode, flags = args
            if flags & writing or isinstance(path, int):
                return
            if not isinstance(path, str):
                path = fsdecode(fspath(path))
            full = normpath(path if path.startswith(sep) else join(getcwd(), path))
            if full in seen or not full.startswith(prefix) or full.startswith(skip):
                return
            real = realpath(full)
            if not real.startswith(prefix) or real.startswith(skip) or real == notebook:
                return
            rel = real[len(prefix):].split(sep)
            for part in rel:
                if part[:1] == '.' or part in ('__pycache__', 'site-packages', 'dist-packages'):
                    return
            if rel[-1].endswith(code_suffixes) or not S_ISREG(stat(real).st_mode):
                return
            if len(paths) >= limit:
                state['truncated'] = True
                return
            paths['/'.join(rel)] = None
            seen[full] = None
        except Exception:
            pass
    sys._jupyterlab_mlops_audit = state
    sys.addaudithook(hook)
`;

// Reads the state without touching it beyond a copy (another thread may
// be adding a path while the dict is listed).
const REPORT =
  "__import__('json').dumps({'root': a['root'], 'paths': list(a['paths'].copy()), " +
  "'truncated': a['truncated']}) if a else 'null'";

/**
 * The user expression that installs the hook if this kernel has none yet
 * and answers what it recorded, as JSON text.
 */
export function auditExpression(options: IAuditOptions): string {
  const folder = options.notebookPath.split('/').slice(0, -1).join('/');
  const config = JSON.stringify({
    folder,
    notebook: options.notebookPath,
    store: options.store ?? '.mlops',
    limit: options.limit ?? AUDIT_LIMIT
  });
  // Base64 keeps user-controlled strings (paths) out of the Python syntax.
  const source = `${HOOK_SOURCE}\n_install(__import__('json').loads(${JSON.stringify(config)}))\n`;
  const encoded = encodeBase64(new TextEncoder().encode(source));
  const install =
    `exec(__import__('base64').b64decode('${encoded}').decode('utf-8'), ` +
    "{'__name__': '_jupyterlab_mlops_audit'})";
  return (
    '(lambda sys: (None if getattr(sys, "_jupyterlab_mlops_audit", None) is not None ' +
    `else ${install}, (lambda a: ${REPORT})(getattr(sys, '_jupyterlab_mlops_audit', None)))[1])` +
    "(__import__('sys'))"
  );
}
