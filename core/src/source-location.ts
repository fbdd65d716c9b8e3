/** Where a task or flow was defined, and its parameter names, read from the function itself. */
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname } from "node:path";

const CORE_SRC = dirname(fileURLToPath(import.meta.url));
const FRAME = /\(?((?:file:\/\/)?\/[^():]+?):\d+:\d+\)?\s*$/;

/** `file://` URL of the first module on the stack outside @wf/core: the one that called task(). */
export function callerModuleUrl(): string | undefined {
  const stack = new Error().stack?.split("\n") ?? [];
  for (const line of stack.slice(1)) {
    const match = FRAME.exec(line);
    const file = match?.[1];
    if (!file) continue;
    const path = file.startsWith("file://") ? fileURLToPath(file) : file;
    if (path.startsWith(CORE_SRC) || path.includes("/node_modules/")) continue;
    return pathToFileURL(path).href;
  }
  return undefined;
}

/**
 * Parameter names of a function, from its source: `(a, b = 1, ...rest)` gives ["a", "b", "rest"].
 * Destructured parameters get positional names ("arg0").
 */
export function parameterNames(fn: (...args: never[]) => unknown): string[] {
  return parseParameters(fn).names;
}

/** Parameter names, and whether the last one is a rest parameter (`...values`). */
export function parseParameters(fn: (...args: never[]) => unknown): {
  names: string[];
  rest: boolean;
} {
  const source = Function.prototype.toString.call(fn);
  let start = source.indexOf("(");
  const arrow = source.indexOf("=>");
  // `x => ...` has no parentheses around its one parameter.
  if (arrow !== -1 && (start === -1 || arrow < start)) {
    const head = source
      .slice(0, arrow)
      .replace(/^async\s+/, "")
      .trim();
    return { names: /^[A-Za-z_$][\w$]*$/.test(head) ? [head] : [], rest: false };
  }
  if (start === -1) return { names: [], rest: false };
  start++;
  let depth = 0;
  let end = start;
  let inString: string | undefined;
  for (; end < source.length; end++) {
    const ch = source[end];
    if (inString) {
      if (ch === "\\") end++;
      else if (ch === inString) inString = undefined;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") inString = ch;
    else if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") {
      if (depth === 0) break;
      depth--;
    }
  }
  const params = splitTopLevel(source.slice(start, end)).filter((p) => p.trim() !== "");
  const names = params.map((p, i) => {
    const name = /^(?:\.\.\.)?\s*([A-Za-z_$][\w$]*)/.exec(p.trim())?.[1];
    return name ?? `arg${i}`;
  });
  return { names, rest: params.at(-1)?.trim().startsWith("...") ?? false };
}

/** The parameter an argument at `index` binds to: all arguments past a rest parameter bind to it. */
export function argumentName(names: readonly string[], rest: boolean, index: number): string {
  if (rest && index >= names.length - 1 && names.length > 0) return names[names.length - 1] ?? "";
  return names[index] ?? `arg${index}`;
}

/** Arguments by parameter name; the arguments of a rest parameter are gathered in a list. */
export function argumentsByName(
  names: readonly string[],
  rest: boolean,
  args: readonly unknown[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    if (rest && i >= names.length - 1 && names.length > 0) {
      out[names[names.length - 1] ?? ""] = args.slice(i);
      break;
    }
    out[names[i] ?? `arg${i}`] = args[i];
  }
  return out;
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  let inString: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? "";
    if (inString) {
      current += ch;
      if (ch === "\\") current += text[++i] ?? "";
      else if (ch === inString) inString = undefined;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") inString = ch;
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    if (ch === ")" || ch === "]" || ch === "}") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  if (current.trim() !== "") parts.push(current);
  return parts;
}
