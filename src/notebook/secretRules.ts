/**
 * The rule table of the secret scanner (`secrets.ts` runs it).
 *
 * Over 300 lines on purpose: it is one table, one entry per kind of
 * secret, read top to bottom when a rule is added or a false positive is
 * chased; splitting it by provider would hide which rule wins.
 *
 * Every pattern runs in linear time: no nested quantifiers, and wherever two
 * quantified parts meet, their classes are disjoint or the repetition is
 * bounded, so a failed attempt backtracks a fixed amount at most. Rules see
 * one line at a time, or one window of a very long line.
 */

/**
 * Where scanned text comes from: code in a cell, a cell output, or a file.
 */
export type SecretWhere = 'source' | 'output' | 'file';

/**
 * One place where a rule matched.
 */
export interface IRuleMatch {
  /** Offset of the secret in the input's `text`. */
  start: number;
  /** The secret itself; only ever shown redacted. */
  secret: string;
  /** Overrides the rule's id and description (e.g. naming the variable). */
  rule?: string;
  description?: string;
}

/**
 * What a rule looks at: one line, or one window of a long line with some
 * context either side. Matches must start in `[from, to)` of `text`.
 */
export interface IRuleInput {
  text: string;
  from: number;
  to: number;
  /** Whether `text` begins where the line begins. */
  lineStart: boolean;
  /** The following line ('' after the last), for formats that span lines. */
  nextLine: string;
  /** Cell code is Python; outputs and files are plain text. */
  where: SecretWhere;
  /**
   * The line is shell (or file) text inside a cell: a line of a `%%bash`
   * or `%%writefile` cell, whose bare words are values, not Python names.
   */
  shell?: boolean;
}

/**
 * A detector for one kind of secret.
 */
export interface ISecretRule {
  /** Stable id, e.g. `aws-access-key-id`. */
  readonly id: string;
  /** What was found, for the user, e.g. "AWS access key". */
  readonly description: string;
  /** A precondition on the whole scanned text, checked once per text. */
  readonly appliesTo?: (text: string) => boolean;
  /** The matches of one line (or window). */
  readonly find: (input: IRuleInput) => IRuleMatch[];
}

/**
 * The rules, most specific first: where two matches overlap on a line, the
 * earlier rule wins (a GitHub token in `GH_TOKEN = "…"` is a GitHub token,
 * not a generic assignment).
 */
export function secretRules(): readonly ISecretRule[] {
  Private.cache.rules ??= Private.buildRules();
  return Private.cache.rules;
}

/**
 * A cheap first test: whether a line holds any text that some rule needs
 * (every rule's pattern contains one of these), so most lines skip the rules.
 */
export function mayHoldSecret(line: string): boolean {
  return /KEY|TOKEN|SECRET|PASSW|PWD|AKIA|ASIA|AIza|gh[pousr]_|github_pat_|glpat-|xox[bpar]-|hooks\.slack|[0-9]Q~/i.test(
    line
  );
}

/**
 * Whether a cell's code is not Python: a shell cell, or text written to a
 * file (`%%writefile .env`). Its lines after the first are shell text.
 */
export function isShellCell(source: string): boolean {
  return /^\s*%%(?:bash|sh|zsh|script|system|!|writefile|file)(?![\w-])/.test(
    source
  );
}

/**
 * Whether an assigned value is a real-looking literal: at least 6 non-space
 * characters, not a number, not elided (`sk-...`), not a placeholder or a
 * template reference.
 */
export function isLiteralSecret(value: string): boolean {
  return (
    value.length >= 6 &&
    !/\s/.test(value) &&
    !value.includes('...') &&
    !value.includes('…') &&
    !Private.NUMBER.test(value) &&
    !Private.PLACEHOLDER.test(value)
  );
}

namespace Private {
  /** The table, built on first use. */
  export const cache: { rules?: readonly ISecretRule[] } = {};

  /** Plain numbers are not secrets (`MAX_TOKEN = 4096`). */
  export const NUMBER = /^(?:[+-]?[\d_.]+(?:e[+-]?\d+)?|0x[0-9a-f]+)$/i;

  /** Values people write instead of a secret, and template references. */
  export const PLACEHOLDER =
    /^(?:<.*>|\[.*\]|\{.*\}|\$.*|%\(.*|x{3,}.*|\*{3,}.*|change_?me|changeit|placeholder|redacted|dummy|example|sample|secret|password|passwd|token|none|null|nil|undefined|todo|fixme|tbd|(?:your|my|insert|enter|replace|put)[-_].*|.*[-_]here)$/i;

  /** A name ending in one of these names a secret. */
  const KEYWORD =
    /(?:PASSWORD|PASSWD|PWD|TOKEN|SECRET|(?:API[_-]?|ACCESS[_-]|PRIVATE[_-]|SECRET[_-])KEY)(?![A-Za-z0-9_])/gi;

  /** After a name: `= "v"`, `: "v"`, `: str = "v"`, `"] = "v"`, `", "v"`. */
  const TAIL =
    /(["']?)\]?[ \t]*(?::[ \t]*[A-Za-z_][\w.[\]]*[ \t]*)?(=(?!=)|:|,)[ \t]*([rbuf]{0,2})(?:"([^"\n]{0,512})"|'([^'\n]{0,512})')/iy;

  /** `.env` / shell style: `[export ]NAME=value`, the whole line. */
  const ENV_LINE =
    /^((?:export|set|ENV|%env|%set_env|!export)[ \t]+)?([A-Za-z_]\w*)=([^\s'"`]+)(?:[ \t]+#.*)?[ \t]*$/;

  /**
   * A shell line (after `!`, or in a shell cell): `[export ]NAME=value`,
   * maybe before a command (`PASSWORD=x ./run.sh`). The value's class and
   * what may follow it are disjoint, so it runs in linear time.
   */
  const SHELL_LINE =
    /^[ \t]*(?:(?:export|declare[ \t]+-x|local|readonly|set|setenv|ENV)[ \t]+)?([A-Za-z_]\w*)=([^\s'"`;&|<>()$]+)(?:[ \t;&|].*)?$/;

  /** IPython's `%env NAME value` (no `=`). */
  const ENV_MAGIC_SPACE =
    /^[ \t]*%(?:env|set_env)[ \t]+([A-Za-z_]\w*)[ \t]+([^\s'"`=]+)[ \t]*$/;

  /**
   * A word of letters and digits, both, of 8 or more (`hunter2hunter2`):
   * after `NAME=` in Python, a pasted value rather than a variable name
   * (names of that shape are rare; `password_v2`, `pwd`, `token` are not).
   */
  export function looksPasted(value: string): boolean {
    return (
      /^[A-Za-z0-9]{8,}$/.test(value) &&
      /[0-9]/.test(value) &&
      /[A-Za-z]/.test(value)
    );
  }

  /**
   * Build the rule table.
   */
  export function buildRules(): readonly ISecretRule[] {
    return [
      regexRule(
        'gcp-service-account',
        'Google Cloud service-account key',
        /["']private_key["'][ \t]*:[ \t]*["']([^"'\n]{4,8192})/,
        text =>
          /["']type["']\s{0,64}:\s{0,64}["']service_account["']/.test(text)
      ),
      regexRule(
        'private-key',
        'Private key',
        /-----BEGIN (?:(?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY(?: BLOCK)?-----/,
        undefined,
        hasKeyBody
      ),
      regexRule(
        'aws-access-key-id',
        'AWS access key',
        /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/
      ),
      regexRule(
        'aws-secret-access-key',
        'AWS secret access key',
        /(?:aws_?)?secret_?(?:access_?)?key["']?\]?[ \t]*[:=][ \t]*[rbu]?["']?([A-Za-z0-9/+]{40})(?![\w/+=])/i
      ),
      regexRule(
        'gcp-api-key',
        'Google Cloud API key',
        /\bAIza[\w-]{35}(?![\w-])/
      ),
      regexRule(
        'azure-storage-key',
        'Azure storage account key',
        /\b(?:AccountKey|SharedAccessKey)=([a-z0-9+/]{86}==|[a-z0-9+/]{43}=)(?![\w+/=])/i
      ),
      regexRule(
        'azure-client-secret',
        'Azure client secret',
        /(?<![\w~.-])[\w~.-]{3}[0-9]Q~[\w~.-]{31,34}(?![\w~.-])/
      ),
      regexRule(
        'github-token',
        'GitHub token',
        /\bgh[pousr]_[A-Za-z0-9]{36}(?!\w)/
      ),
      regexRule(
        'github-fine-grained-token',
        'GitHub fine-grained token',
        /\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?!\w)/
      ),
      regexRule(
        'gitlab-token',
        'GitLab access token',
        /(?<![\w-])glpat-[\w-]{20,128}(?![\w-])/
      ),
      regexRule(
        'slack-token',
        'Slack token',
        /(?<![\w-])xox[bpar]-[0-9]{1,16}-[A-Za-z0-9-]{8,128}(?![A-Za-z0-9-])/
      ),
      regexRule(
        'slack-webhook',
        'Slack webhook URL',
        /hooks\.slack\.com\/(?:services|workflows)\/(T\w{6,16}\/[AB]\w{6,16}\/\w{16,64})/,
        undefined,
        (input, end, secret) => !/\/(?:x+|0+)$/i.test(secret)
      ),
      {
        id: 'secret-assignment',
        description: 'Hard-coded secret',
        find: input => [...findAssignments(input), ...findEnvLine(input)]
      }
    ];
  }

  /**
   * A rule from one pattern: the secret is group 1 if there is one, else
   * the whole match (`d` flag: we need the group's offset).
   */
  function regexRule(
    id: string,
    description: string,
    pattern: RegExp,
    appliesTo?: (text: string) => boolean,
    accept?: (input: IRuleInput, end: number, secret: string) => boolean
  ): ISecretRule {
    const regex = new RegExp(pattern.source, pattern.flags + 'gd');
    const find = (input: IRuleInput): IRuleMatch[] => {
      const found: IRuleMatch[] = [];
      regex.lastIndex = input.from;
      let match = regex.exec(input.text);
      while (match !== null && match.index < input.to) {
        const group = match.length > 1 ? 1 : 0;
        const secret = match[group];
        const span = match.indices?.[group];
        const end = match.index + match[0].length;
        if (span && (!accept || accept(input, end, secret))) {
          found.push({ start: span[0], secret });
        }
        match = regex.exec(input.text);
      }
      return found;
    };
    return { id, description, appliesTo, find };
  }

  /**
   * Whether a PEM header is followed by a key body (after a `\n` escape on
   * the same line, or on the next line): a header alone, as in
   * `line.startswith("-----BEGIN RSA PRIVATE KEY-----")`, is not a key.
   */
  function hasKeyBody(input: IRuleInput, end: number): boolean {
    const rest = input.text
      .slice(end, end + 256)
      .replace(/^(?:\\[rn]|["'\s])*/, '');
    const body = rest === '' ? input.nextLine.replace(/^["'\s]*/, '') : rest;
    return /^(?:[A-Za-z0-9+/]{16}|Proc-Type:)/.test(body);
  }

  /**
   * `NAME = "value"` and its kin, wherever NAME ends with a secret keyword.
   */
  function findAssignments(input: IRuleInput): IRuleMatch[] {
    const { text } = input;
    const found: IRuleMatch[] = [];
    const keyword = new RegExp(KEYWORD.source, KEYWORD.flags);
    keyword.lastIndex = input.from;
    let floor = 0;
    for (let hit = keyword.exec(text); hit && hit.index < input.to;) {
      const end = hit.index + hit[0].length;
      // Walk back to the name's start; never over a previous hit, so the
      // walks stay linear in total (`-` joins header names: X-API-Key).
      let start = hit.index;
      while (
        start > floor &&
        end - start < 128 &&
        /[\w-]/.test(text[start - 1])
      ) {
        start--;
      }
      floor = end;
      const name = text.slice(start, end);
      const quoted =
        start > 0 && (text[start - 1] === '"' || text[start - 1] === "'");
      TAIL.lastIndex = end;
      const tail = TAIL.exec(text);
      if (tail && isSecretName(name) && quoted === (tail[1] !== '')) {
        const [, , separator, prefix] = tail;
        const value = tail[4] ?? tail[5] ?? '';
        // `NAME", "v"` only as in os.environ.setdefault("NAME", "v").
        const setter = /(?:setdefault|putenv)\([ \t]*$/.test(
          text.slice(Math.max(0, start - 40), start - 1)
        );
        const isFormat = /f/i.test(prefix) && value.includes('{');
        if (
          (separator !== ',' || setter) &&
          !isFormat &&
          isLiteralSecret(value)
        ) {
          found.push(
            assignment(name, value, TAIL.lastIndex - 1 - value.length)
          );
        }
      }
      hit = keyword.exec(text);
    }
    return found;
  }

  /**
   * A `.env`-style line, `NAME=value` unquoted from the line's start. In
   * cell code a bare name or attribute on the right is a Python variable,
   * unless it looks pasted (`looksPasted`); in shell text (a `!` line, a
   * shell or `%%writefile` cell) it is a value, and a command may follow.
   */
  function findEnvLine(input: IRuleInput): IRuleMatch[] {
    if (!input.lineStart || input.from !== 0) {
      return [];
    }
    const { text } = input;
    const bang = /^[ \t]*!/.exec(text);
    const shell = input.shell === true || bang !== null;
    const found = (name: string, value: string, start: number) =>
      isSecretName(name.slice(-32)) && isLiteralSecret(value)
        ? [assignment(name, value, start)]
        : [];
    const space = ENV_MAGIC_SPACE.exec(text);
    if (space) {
      return found(space[1], space[2], text.lastIndexOf(space[2]));
    }
    if (shell) {
      const rest = bang ? text.slice(bang[0].length) : text;
      const match = SHELL_LINE.exec(rest);
      if (match) {
        const offset = text.length - rest.length;
        return found(match[1], match[2], offset + rest.indexOf('=') + 1);
      }
    }
    const match = ENV_LINE.exec(text);
    if (match === null) {
      return [];
    }
    const [whole, prefix, name, value] = match;
    const isExpression =
      /[()[\]{},$]/.test(value) ||
      (input.where === 'source' &&
        !prefix &&
        !shell &&
        /^[A-Za-z_][\w.]*$/.test(value) &&
        !looksPasted(value));
    return isExpression ? [] : found(name, value, whole.indexOf('=') + 1);
  }

  /** `PWD` and `OLDPWD` are directories, whatever they end with. */
  function isSecretName(name: string): boolean {
    const upper = name.toUpperCase().replace(/-/g, '_');
    return (
      upper !== 'PWD' &&
      upper !== 'OLDPWD' &&
      /(?:PASSWORD|PASSWD|PWD|TOKEN|SECRET|API_?KEY|(?:ACCESS|PRIVATE|SECRET)_KEY)$/.test(
        upper
      )
    );
  }

  function assignment(name: string, value: string, start: number): IRuleMatch {
    const upper = name.toUpperCase();
    const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
    if (upper.includes('AZURE') && upper.endsWith('SECRET')) {
      const description = `Azure client secret in ${shown}`;
      return { start, secret: value, rule: 'azure-client-secret', description };
    }
    const kind = /(?:PASSWORD|PASSWD|PWD)$/.test(upper)
      ? 'password'
      : upper.endsWith('TOKEN')
        ? 'token'
        : upper.endsWith('KEY')
          ? 'key'
          : 'secret';
    return {
      start,
      secret: value,
      description: `Hard-coded ${kind} in ${shown}`
    };
  }
}
