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
  const source = Function.prototype.toString.call(fn);
  let start = source.indexOf("(");
  const arrow = source.indexOf("=>");
  // `x => ...` has no parentheses around its one parameter.
  if (arrow !== -1 && (start === -1 || arrow < start)) {
    const head = source
      .slice(0, arrow)
      .replace(/^async\s+/, "")
      .trim();
    return /^[A-Za-z_$][\w$]*$/.test(head) ? [head] : [];
  }
  if (start === -1) return [];
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
  const params = splitTopLevel(source.slice(start, end));
  return params
    .map((p, i) => {
      const name = /^(?:\.\.\.)?\s*([A-Za-z_$][\w$]*)/.exec(p.trim())?.[1];
      return name ?? `arg${i}`;
    })
    .filter((_, i, all) => !(i === all.length - 1 && params[i]?.trim() === ""));
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
