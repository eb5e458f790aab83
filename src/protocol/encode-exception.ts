import { CeleriacError } from '../errors/celeriac-error';
import { pythonRepr } from './python-repr';
import type { ExceptionInfo } from './result-meta';

/** Module Python puts an unknown JS error class in; Python synthesizes the class from it. */
export const DEFAULT_EXCEPTION_MODULE = 'celeriac.tasks';

/** Python builtin exception class names (3.11) that a JS error of the same name maps to. */
const PY_BUILTINS: ReadonlySet<string> = new Set(('ArithmeticError AssertionError AttributeError BaseException '
  + 'BlockingIOError BrokenPipeError BufferError ChildProcessError ConnectionAbortedError ConnectionError '
  + 'ConnectionRefusedError ConnectionResetError EOFError Exception FileExistsError FileNotFoundError '
  + 'FloatingPointError ImportError IndentationError IndexError InterruptedError IsADirectoryError KeyError '
  + 'LookupError MemoryError ModuleNotFoundError NameError NotADirectoryError NotImplementedError OSError '
  + 'OverflowError PermissionError ProcessLookupError RecursionError ReferenceError RuntimeError StopIteration '
  + 'SyntaxError SystemError TabError TimeoutError TypeError UnboundLocalError UnicodeDecodeError '
  + 'UnicodeEncodeError UnicodeError ValueError ZeroDivisionError').split(' '));

/** billiard's exceptions, which celery.exceptions re-exports: a Python worker stores them under billiard's module. */
const BILLIARD_EXCEPTIONS: ReadonlySet<string> = new Set(['WorkerLostError', 'TimeLimitExceeded', 'SoftTimeLimitExceeded', 'Terminated']);

const CELERY_EXCEPTIONS: ReadonlySet<string> = new Set(['NotRegistered',
  'MaxRetriesExceededError', 'TaskRevokedError', 'ChordError', 'Retry', 'Reject', 'Ignore', 'InvalidTaskError',
  'QueueNotFound', 'IncompleteStream', 'TaskPredicate', 'CeleryError', 'TaskError', 'ImproperlyConfigured']);

/** JS built-in error classes whose Python counterpart has another name. */
const JS_TO_PY: Readonly<Record<string, string>> = {
  // JSON.parse is the usual runtime SyntaxError; Python's json errors are ValueErrors
  RangeError: 'ValueError', SyntaxError: 'ValueError', ReferenceError: 'NameError', EvalError: 'ValueError',
  URIError: 'ValueError', Error: 'Exception', AbortError: 'AbortError',
};

/** Node system error codes → the Python OSError subclass Python raises for the same errno. */
const ERRNO_TO_PY: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'ConnectionRefusedError', ECONNRESET: 'ConnectionResetError', ECONNABORTED: 'ConnectionAbortedError',
  EPIPE: 'BrokenPipeError', ETIMEDOUT: 'TimeoutError', ENOENT: 'FileNotFoundError', EEXIST: 'FileExistsError',
  EACCES: 'PermissionError', EPERM: 'PermissionError', EISDIR: 'IsADirectoryError', ENOTDIR: 'NotADirectoryError',
};

/** Optional overrides an Error may carry to choose its Python form exactly. */
interface PythonOverrides { pythonType?: unknown; pythonModule?: unknown; pythonArgs?: unknown }

/**
 * Maps anything thrown by a task to the exception Python will re-raise (`exc_type`, `exc_message` =
 * args, `exc_module`): JS built-ins to their Python equivalents (TypeError→TypeError, RangeError→
 * ValueError, ReferenceError→NameError, plain Error→Exception), Python builtin names to `builtins`,
 * Celery's names to `celery.exceptions` (WorkerLostError → `billiard.exceptions`), Node errno errors
 * to OSError subclasses, anything else to `celeriac.tasks.<Name>`. `pythonType`/`pythonModule`/
 * `pythonArgs` properties on the error override the mapping.
 */
export function encodeException(err: unknown): ExceptionInfo {
  if (!(err instanceof Error)) {
    return { excType: 'Exception', excMessage: [typeof err === 'string' ? err : describeThrown(err)], excModule: 'builtins' };
  }
  const o = err as Error & PythonOverrides & { code?: unknown };
  // `class X extends Error {}` keeps name 'Error' unless it sets one: the class name is what the author means.
  const ctorName = validName(err.constructor?.name);
  const name = (err.name === 'Error' && ctorName && ctorName !== 'Error' ? ctorName : undefined)
    ?? validName(err.name) ?? ctorName ?? 'Exception';
  let type = JS_TO_PY[name] ?? name;
  if (name === 'Error' && typeof o.code === 'string' && ERRNO_TO_PY[o.code]) type = ERRNO_TO_PY[o.code] as string;
  let module = PY_BUILTINS.has(type) ? 'builtins'
    : BILLIARD_EXCEPTIONS.has(type) ? 'billiard.exceptions'
      : CELERY_EXCEPTIONS.has(type) ? 'celery.exceptions'
        : err instanceof CeleriacError ? 'celeriac.errors' : DEFAULT_EXCEPTION_MODULE;
  if (typeof o.pythonType === 'string' && validName(o.pythonType)) type = o.pythonType;
  if (typeof o.pythonModule === 'string' && o.pythonModule) module = o.pythonModule;
  const args = Array.isArray(o.pythonArgs) ? o.pythonArgs.map(jsonSafe) : err.message === '' ? [] : [err.message];
  return { excType: type, excMessage: args, excModule: module };
}

/** `ValueError('boom')`: Python's `repr()` of the exception (used in events and chord errors). */
export function exceptionRepr(info: ExceptionInfo): string {
  const args = info.excMessage.map((a) => pythonRepr(a, { style: 'repr' }));
  return `${info.excType}(${args.join(', ')})`;
}

/**
 * A Python-looking traceback for an error: `Traceback (most recent call last):`, one
 * `  File "<file>", line N, in <fn>` per JS stack frame (oldest first), then `<ExcType>: <message>`;
 * a `cause` chain is printed first with Python's "direct cause" separator.
 */
export function formatTraceback(err: unknown, depth = 0): string {
  const info = encodeException(err);
  let out = '';
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause !== undefined && cause !== null && depth < 5) {
    out += formatTraceback(cause, depth + 1) + '\nThe above exception was the direct cause of the following exception:\n\n';
  }
  out += 'Traceback (most recent call last):\n';
  const stack = err instanceof Error && typeof err.stack === 'string' ? err.stack : '';
  for (const frame of parseStack(stack).reverse()) out += `  File "${frame.file}", line ${frame.line}, in ${frame.fn}\n`;
  const qualified = info.excModule === 'builtins' || info.excModule === '__main__' ? info.excType : `${info.excModule}.${info.excType}`;
  // Python prints str(exc): the message for ordinary exceptions; control signals with explicit
  // pythonArgs (Retry) have a human message of their own ("Retry in 4s: ...").
  const explicitArgs = err instanceof Error && Array.isArray((err as PythonOverrides).pythonArgs);
  const text = explicitArgs && (err as Error).message ? (err as Error).message
    : info.excMessage.length === 0 ? '' : info.excMessage.length === 1 && typeof info.excMessage[0] === 'string'
      ? info.excMessage[0] : pythonRepr(info.excMessage, { style: 'repr', tuple: true });
  return `${out}${qualified}${text === '' ? '' : ': ' + text}\n`;
}

/**
 * The producer side: a JS Error for a stored Python exception. `name` = `exc_type`, `message` = the
 * single string arg (else the args' repr); `pythonType`/`pythonModule`/`pythonArgs` keep the rest.
 */
export function decodeException(info: ExceptionInfo): Error & { pythonType: string; pythonModule: string; pythonArgs: unknown[] } {
  const args = info.excMessage;
  const message = args.length === 1 && typeof args[0] === 'string' ? args[0]
    : args.length === 0 ? '' : pythonRepr(args, { style: 'repr', tuple: true });
  const err = new Error(message) as Error & { pythonType: string; pythonModule: string; pythonArgs: unknown[] };
  err.name = info.excType;
  err.pythonType = info.excType;
  err.pythonModule = info.excModule;
  err.pythonArgs = args;
  return err;
}

interface Frame { file: string; line: number; fn: string }

/** V8 frames: `    at fn (file:line:col)`, `    at file:line:col`, `    at async fn (...)`. */
function parseStack(stack: string): Frame[] {
  const frames: Frame[] = [];
  for (const line of stack.split('\n')) {
    const m = /^\s*at (?:async )?(?:(.*?) \()?(.*?):(\d+):\d+\)?\s*$/.exec(line);
    if (!m || (m[2] as string).startsWith('node:internal')) continue; // Node's own machinery is noise to a reader
    frames.push({ fn: m[1]?.replace(/^new /, '') || '<module>', file: m[2] as string, line: Number(m[3]) });
  }
  return frames;
}

function validName(name: unknown): string | null {
  return typeof name === 'string' && /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(name) ? name : null;
}

function jsonSafe(v: unknown): unknown {
  // Celery keeps an arg when JSON can carry it, else stores its repr
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return v;
  try {
    return JSON.parse(JSON.stringify(v)) as unknown;
  } catch {
    return String(v);
  }
}

function describeThrown(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
