/**
 * The web UI's static files: everything under `server/ui/` plus Preact, its hooks and htm from
 * node_modules, read into memory once and served at exact paths (no build step, no CDN). These
 * paths are the only ones, besides the health check, that answer without an API key: they hold
 * code, never data; every piece of data the UI shows comes from the API with the user's key.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the UI lives in the URL space: `/` is its page, everything else is under `/ui/`. */
export const UI_PREFIX = "/ui/";

/** The vendor modules the import map in `index.html` points at: URL name -> package file. */
const VENDOR_FILES: Readonly<Record<string, readonly [pkg: string, file: string]>> = {
  "preact.module.js": ["preact", "dist/preact.module.js"],
  "hooks.module.js": ["preact", "hooks/dist/hooks.module.js"],
  "htm.module.js": ["htm", "dist/htm.module.js"],
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
};

export interface UiAsset {
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly etag: string;
}

export interface UiAssets {
  /** Every servable path, exact (`/`, `/ui/app.js`, `/ui/vendor/preact.module.js`, ...). */
  readonly paths: ReadonlySet<string>;
  /** The file at an exact path, or undefined. */
  get(path: string): UiAsset | undefined;
  /** Response headers for an asset (type, caching, and the page's content security policy). */
  headers(asset: UiAsset): Record<string, string>;
}

/** The folder that holds `index.html` (the same from `src/` and from `dist/`). */
export function defaultUiDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "ui");
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile() && CONTENT_TYPES[extname(entry.name)] !== undefined) out.push(full);
  }
  return out;
}

function asset(body: Uint8Array, path: string): UiAsset {
  return {
    body,
    contentType: CONTENT_TYPES[extname(path)] ?? "application/octet-stream",
    etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
  };
}

/**
 * Hashes of the page's inline scripts (the import map), so the content security policy can allow
 * exactly those and nothing else inline.
 */
function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const match of html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) {
    const text = match[1] ?? "";
    if (text.trim() === "") continue;
    hashes.push(`'sha256-${createHash("sha256").update(text).digest("base64")}'`);
  }
  return hashes;
}

/** The folder of an installed package (its `package.json` is not always exported). */
function packageRoot(pkg: string): string {
  let dir = dirname(createRequire(import.meta.url).resolve(pkg));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        name?: string;
      };
      if (manifest.name === pkg) return dir;
    } catch {
      // no package.json at this level
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the folder of the package '${pkg}'`);
    dir = parent;
  }
}

/** Read the UI folder and the vendor modules into memory. Throws if the UI folder is missing. */
export function loadUiAssets(uiDir: string = defaultUiDir()): UiAssets {
  const files = new Map<string, UiAsset>();
  if (!statSync(uiDir).isDirectory()) throw new Error(`the UI folder ${uiDir} is not a folder`);
  for (const full of listFiles(uiDir)) {
    const rel = relative(uiDir, full).split(sep).join("/");
    files.set(`${UI_PREFIX}${rel}`, asset(readFileSync(full), full));
  }
  const index = files.get(`${UI_PREFIX}index.html`);
  if (index === undefined) throw new Error(`the UI folder ${uiDir} has no index.html`);
  files.set("/", index);

  for (const [name, [pkg, file]] of Object.entries(VENDOR_FILES)) {
    const full = join(packageRoot(pkg), file);
    files.set(`${UI_PREFIX}vendor/${name}`, asset(readFileSync(full), full));
  }

  const csp = [
    "default-src 'self'",
    `script-src 'self' ${inlineScriptHashes(Buffer.from(index.body).toString("utf8")).join(" ")}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");

  return {
    paths: new Set(files.keys()),
    get: (path) => files.get(path),
    headers: (a) => ({
      "Content-Type": a.contentType,
      // Revalidate every time: a new server version must never run against a cached old UI.
      "Cache-Control": "no-cache",
      ETag: a.etag,
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      ...(a.contentType.startsWith("text/html") && {
        "Content-Security-Policy": csp,
        "X-Frame-Options": "DENY",
      }),
    }),
  };
}
