/**
 * User-facing text as an id with parameters, beside its English rendering. The model and the analysis
 * write English (the CLI prints `text`, and an error's `message` is it); the app looks the id up in its
 * catalogue for another language and falls back to `text`, so a message is never shown empty.
 *
 * Templates are a small subset of ICU MessageFormat, formatted with the platform's Intl:
 *   {name}                               the parameter: a string as is, a number as String(n), a nested
 *                                        message by its own rendering
 *   {name, number}                       a number grouped per locale (Intl.NumberFormat)
 *   {name, list}                         a list of messages joined per locale (", " / "、")
 *   {name, lines}                        a list of messages, one per line
 *   {name, items}                        a list of messages joined by semicolons ("; " / "；")
 *   {name, plural, one {…} other {…}}    a case by Intl.PluralRules (`=N` exact cases first); `#` is the number
 *   {name, select, a {…} other {…}}      a case per string value
 * Only `{` and `}` are special; there is no quoting.
 */

export interface Message {
  readonly id: string;
  readonly params: MessageParams;
  /** The English rendering. */
  readonly text: string;
}

export type MessageParam = string | number | Message | readonly Message[];
export type MessageParams = Readonly<Record<string, MessageParam>>;

// ---- Parameter names of a template, at the type level (best effort: case bodies must not be a bare word). ----

type Trim<S extends string> = S extends ` ${infer R}` ? Trim<R> : S extends `${infer R} ` ? Trim<R> : S;
type ArgName<S extends string> = S extends `${infer N},${string}` ? Trim<N> : Trim<S>;
type IsName<S extends string> = S extends '' ? false : S extends `${string}${' ' | '#' | '(' | ')' | '.' | ':' | '/' | '=' | '·' | '%'}${string}` ? false : true;
/** The names of the `{name…}` arguments of template `S`. */
type ParamNames<S extends string> = S extends `${string}{${infer Inner}}${infer Rest}`
  ? (IsName<ArgName<Inner>> extends true ? ArgName<Inner> : never) | ParamNames<Rest>
  : never;
/** The parameters a template needs: none, or an object with one entry per argument. */
export type ParamsArg<S extends string> = [ParamNames<S>] extends [never] ? [params?: MessageParams] : [params: Record<ParamNames<S>, MessageParam>];

// ---- Parsing. ----

type Part =
  | string
  | { kind: 'arg'; name: string; format: 'plain' | 'number' | 'list' | 'lines' | 'items' }
  | { kind: 'plural' | 'select'; name: string; cases: Map<string, Part[]> };

const parsed = new Map<string, Part[]>();

class TemplateError extends Error {}

function parse(template: string): Part[] {
  let hit = parsed.get(template);
  if (!hit) {
    let i = 0;
    const fail = (why: string): never => {
      throw new TemplateError(`message template ${JSON.stringify(template.slice(0, 60))}: ${why} at ${i}`);
    };
    const parts = (inCase: boolean): Part[] => {
      const out: Part[] = [];
      let text = '';
      while (i < template.length) {
        const ch = template[i];
        if (ch === '}') {
          if (!inCase) fail('unmatched }');
          break;
        }
        if (ch !== '{') {
          text += ch;
          i++;
          continue;
        }
        if (text) out.push(text);
        text = '';
        i++;
        const close = template.slice(i).search(/[,}]/);
        if (close < 0) fail('unclosed {');
        const name = template.slice(i, i + close).trim();
        if (!/^\w+$/.test(name)) fail(`bad argument name "${name}"`);
        i += close;
        if (template[i] === '}') {
          i++;
          out.push({ kind: 'arg', name, format: 'plain' });
          continue;
        }
        i++;
        const typeEnd = template.slice(i).search(/[,}]/);
        if (typeEnd < 0) fail('unclosed {');
        const type = template.slice(i, i + typeEnd).trim();
        i += typeEnd;
        if (type === 'number' || type === 'list' || type === 'lines' || type === 'items') {
          if (template[i] !== '}') fail(`${type} takes no options`);
          i++;
          out.push({ kind: 'arg', name, format: type });
          continue;
        }
        if (type !== 'plural' && type !== 'select') fail(`unknown format "${type}"`);
        if (template[i] !== ',') fail(`${type} needs cases`);
        i++;
        const cases = new Map<string, Part[]>();
        for (;;) {
          while (template[i] === ' ') i++;
          if (template[i] === '}') {
            i++;
            break;
          }
          const keyEnd = template.slice(i).search(/[ {]/);
          if (keyEnd <= 0) fail('bad case');
          const key = template.slice(i, i + keyEnd);
          i += keyEnd;
          while (template[i] === ' ') i++;
          if (template[i] !== '{') fail(`case ${key} needs {…}`);
          i++;
          cases.set(key, parts(true));
          if (template[i] !== '}') fail(`case ${key} is not closed`);
          i++;
        }
        if (!cases.has('other')) fail(`${type} needs an "other" case`);
        out.push({ kind: type as 'plural' | 'select', name, cases });
      }
      if (text) out.push(text);
      return out;
    };
    hit = parts(false);
    if (i < template.length) fail('unmatched }');
    parsed.set(template, hit);
  }
  return hit;
}

/** The argument names a template uses (for the catalogue tests). */
export function templateArguments(template: string): Set<string> {
  const names = new Set<string>();
  const walk = (parts: Part[]) => {
    for (const p of parts) {
      if (typeof p === 'string') continue;
      names.add(p.name);
      if (p.kind !== 'arg') for (const c of p.cases.values()) walk(c);
    }
  };
  walk(parse(template));
  return names;
}

/** The literal text of a template: every run of text outside the arguments (case bodies included). */
export function templateLiterals(template: string): string[] {
  const out: string[] = [];
  const walk = (parts: Part[]) => {
    for (const p of parts) {
      if (typeof p === 'string') out.push(p.replace(/#/g, ' '));
      else if (p.kind !== 'arg') for (const c of p.cases.values()) walk(c);
    }
  };
  walk(parse(template));
  return out;
}

// ---- Formatting. ----

export interface FormatOptions {
  /** A BCP 47 locale for Intl: `en`, `zh-CN`. */
  locale: string;
  /** How a nested message is rendered (the app translates it; English takes its text). */
  nested: (m: Message) => string;
}

const numberFormats = new Map<string, Intl.NumberFormat>();
const pluralRules = new Map<string, Intl.PluralRules>();

function numberFormat(locale: string): Intl.NumberFormat {
  let f = numberFormats.get(locale);
  if (!f) numberFormats.set(locale, (f = new Intl.NumberFormat(locale, { maximumFractionDigits: 20 })));
  return f;
}

function plainText(v: MessageParam, o: FormatOptions): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return listText(v, o);
  return o.nested(v as Message);
}

function listText(items: readonly Message[], o: FormatOptions): string {
  return items.map(o.nested).join(o.locale.startsWith('zh') ? '、' : ', ');
}

/** Renders a template with its parameters. A missing parameter throws: it is a bug, not user input. */
export function formatTemplate(template: string, params: MessageParams, o: FormatOptions): string {
  const render = (parts: Part[], hash: string | null): string => {
    let s = '';
    for (const p of parts) {
      if (typeof p === 'string') {
        s += hash === null ? p : p.replace(/#/g, hash);
        continue;
      }
      const v = params[p.name];
      if (v === undefined) throw new TemplateError(`message template ${JSON.stringify(template.slice(0, 60))} needs the parameter "${p.name}"`);
      if (p.kind === 'arg') {
        if (p.format === 'number') s += typeof v === 'number' ? numberFormat(o.locale).format(v) : plainText(v, o);
        else if (p.format === 'list') s += Array.isArray(v) ? listText(v, o) : plainText(v, o);
        else if (p.format === 'lines') s += Array.isArray(v) ? v.map(o.nested).join('\n') : plainText(v, o);
        else if (p.format === 'items') s += Array.isArray(v) ? v.map(o.nested).join(o.locale.startsWith('zh') ? '；' : '; ') : plainText(v, o);
        else s += plainText(v, o);
        continue;
      }
      if (p.kind === 'plural') {
        const n = typeof v === 'number' ? v : Number(v);
        let rules = pluralRules.get(o.locale);
        if (!rules) pluralRules.set(o.locale, (rules = new Intl.PluralRules(o.locale)));
        const body = p.cases.get(`=${n}`) ?? p.cases.get(rules.select(n)) ?? p.cases.get('other')!;
        s += render(body, numberFormat(o.locale).format(n));
        continue;
      }
      const key = typeof v === 'string' ? v : String(v);
      s += render(p.cases.get(key) ?? p.cases.get('other')!, hash);
    }
    return s;
  };
  return render(parse(template), null);
}

const ENGLISH: FormatOptions = { locale: 'en', nested: (m) => m.text };

/**
 * A catalogue's helpers, made once per catalogue by `catalogue()`: its messages (typed ids and parameters),
 * its error for a message, and a throw of that error. Declare the constant with this type
 * (`const X: Catalogue<typeof X_MESSAGES, XError> = catalogue(...)`) so that TypeScript knows `X.fail` ends the code path.
 */
export interface Catalogue<C extends Readonly<Record<string, string>>, E extends Error> {
  /** A message: its id, its parameters and its English text. */
  message<K extends keyof C & string>(id: K, ...params: ParamsArg<C[K]>): Message;
  /** The catalogue's error carrying a message. */
  error<K extends keyof C & string>(id: K, ...params: ParamsArg<C[K]>): E;
  /** Throws that error. */
  fail<K extends keyof C & string>(id: K, ...params: ParamsArg<C[K]>): never;
}

/** The helpers of an English catalogue whose errors are `toError(message)` (a MessageError unless it says). */
export function catalogue<C extends Readonly<Record<string, string>>, E extends Error = MessageError>(
  templates: C,
  toError: (m: Message) => E = (m) => new MessageError(m) as unknown as E,
): Catalogue<C, E> {
  const message = <K extends keyof C & string>(id: K, ...params: ParamsArg<C[K]>): Message => messageOf(templates, id, ...params);
  const error = <K extends keyof C & string>(id: K, ...params: ParamsArg<C[K]>): E => toError(message(id, ...params));
  return {
    message,
    error,
    fail: (id, ...params) => {
      throw error(id, ...params);
    },
  };
}

/** A message of an English catalogue: its id, its parameters and its English text. */
export function messageOf<C extends Readonly<Record<string, string>>, K extends keyof C & string>(
  catalogue: C,
  id: K,
  ...[params]: ParamsArg<C[K]>
): Message {
  const p = params ?? {};
  return { id, params: p, text: formatTemplate(catalogue[id], p, ENGLISH) };
}

/** The message an error carries (`msg`), if any. Errors from the engine worker carry it across too. */
export function errorMessage(e: unknown): Message | null {
  const m = (e as { msg?: unknown } | null)?.msg;
  return m && typeof m === 'object' && typeof (m as Message).id === 'string' && typeof (m as Message).text === 'string' ? (m as Message) : null;
}

/** The message of a thrown value: the one it carries, else its English text as a message without an id. */
export function messageFromError(e: unknown): Message {
  return errorMessage(e) ?? { id: '', params: {}, text: e instanceof Error ? e.message : String(e) };
}

/**
 * An error whose text is a message: `msg` carries it as an id with parameters for the app to translate.
 * The catalogues' error classes extend it and name themselves; code without a class of its own throws it.
 */
export class MessageError extends Error {
  readonly msg: Message;

  constructor(msg: Message) {
    super(msg.text);
    this.msg = msg;
  }
}

/** An error of English text, with its message where it has one (the errors only the CLI and tests can trigger have none). */
export class OptionalMessageError extends Error {
  readonly msg?: Message;

  constructor(message: string | Message) {
    super(typeof message === 'string' ? message : message.text);
    if (typeof message !== 'string') this.msg = message;
  }
}
