/**
 * The Hono app: rate limit, API key check, body size limit, then the route table. Bad input is
 * always a 4xx with `{ error: { code, message } }`; only a fault of the server is a 5xx.
 */
import { getConnInfo } from "@hono/node-server/conninfo";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import type { ApiKeyStore } from "@wf/store";
import { ApiError, describeError, errorBody, type ApiIssue } from "./errors.js";
import { openApiDocument } from "./openapi.js";
import type { RateLimiter } from "./rate-limit.js";
import type { Route, RouteDeps } from "./routes.js";
import { StreamQuery } from "./schemas.js";
import {
  STREAM_PATH,
  StreamHub,
  streamFilter,
  streamOpenApiPath,
  streamResponse,
  type StreamHubOptions,
} from "./streams.js";
import type { UiAssets } from "./ui-assets.js";

export interface AppOptions {
  readonly routes: readonly Route[];
  readonly deps: RouteDeps;
  readonly apiKeys: ApiKeyStore;
  /** Require a key even while none exists (every request but the allow-list is refused). */
  readonly requireApiKey: boolean;
  readonly rateLimiter: RateLimiter | undefined;
  readonly maxBodyBytes: number;
  /** Called with errors that became a 500, for the server's log. */
  readonly onInternalError: (error: unknown) => void;
  /** The live stream's poll and keep-alive intervals (defaults: 250 ms, 15 s). */
  readonly streams?: Omit<StreamHubOptions, "onError">;
  /** The web UI's static files: served at their exact paths, open without a key (no data). */
  readonly ui?: UiAssets;
}

/** How long "are there any keys?" is trusted before asking the database again. */
const KEYS_EXIST_TTL_MS = 1000;

function zodIssues(error: z.ZodError): ApiIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
}

function clientOf(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

const streamHubs = new WeakMap<Hono, StreamHub>();

/** The live stream hub of an app made by `createApp` (to close its streams, or to inspect it). */
export function streamHubOf(app: Hono): StreamHub | undefined {
  return streamHubs.get(app);
}

function withStreamPath(doc: unknown): unknown {
  const d = doc as { paths: Record<string, unknown> };
  return { ...d, paths: { ...d.paths, [STREAM_PATH]: streamOpenApiPath() } };
}

export function createApp(options: AppOptions): Hono {
  const app = new Hono();
  const open = new Set(
    options.routes
      .filter((r) => !r.auth)
      .flatMap((r) => [`${r.method} ${r.path}`, `HEAD ${r.path}`]),
  );
  let keysExist: { value: boolean; at: number } | undefined;
  const authRequired = async (): Promise<boolean> => {
    if (options.requireApiKey) return true;
    const now = Date.now();
    if (keysExist === undefined || now - keysExist.at > KEYS_EXIST_TTL_MS) {
      keysExist = { value: await options.apiKeys.any(), at: now };
    }
    return keysExist.value;
  };

  app.onError((error, c) => {
    const described = describeError(error);
    if (described.status >= 500) options.onInternalError(error);
    for (const [name, value] of Object.entries(described.headers)) c.header(name, value);
    return c.json(
      errorBody(described.code, described.message, described.issues),
      described.status as 400,
    );
  });
  app.notFound((c) =>
    c.json(
      errorBody("NOT_FOUND", `no route ${c.req.method} ${c.req.path}; see /api/openapi.json`),
      404,
    ),
  );

  app.use("*", async (c, next) => {
    if (options.rateLimiter !== undefined) {
      const wait = options.rateLimiter.take(clientOf(c));
      if (wait > 0) {
        throw new ApiError(429, "RATE_LIMITED", `too many requests; retry in ${wait}s`, {
          headers: { "Retry-After": String(wait) },
        });
      }
    }
    const uiFile =
      (c.req.method === "GET" || c.req.method === "HEAD") && options.ui?.paths.has(c.req.path);
    if (!uiFile && !open.has(`${c.req.method} ${c.req.path}`) && (await authRequired())) {
      const header = c.req.header("authorization") ?? "";
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const key = match?.[1];
      if (key === undefined || (await options.apiKeys.verify(key)) === undefined) {
        throw new ApiError(
          401,
          "UNAUTHORIZED",
          key === undefined
            ? "this server needs an API key: send 'Authorization: Bearer <key>' (create one with `wf server api-key create <name>`)"
            : "the API key is not valid",
          { headers: { "WWW-Authenticate": 'Bearer realm="wf"' } },
        );
      }
    }
    await next();
  });
  app.use(
    "*",
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: () => {
        throw new ApiError(
          413,
          "PAYLOAD_TOO_LARGE",
          `the request body is larger than ${options.maxBodyBytes} bytes`,
        );
      },
    }),
  );

  const ui = options.ui;
  if (ui !== undefined) {
    for (const path of ui.paths) {
      app.get(path, (c) => {
        const file = ui.get(path)!;
        const headers = ui.headers(file);
        if (c.req.header("if-none-match") === file.etag) return c.body(null, 304, headers);
        return c.body(file.body as Uint8Array<ArrayBuffer>, 200, headers);
      });
    }
  }

  const version = options.deps.version;
  let openApi: unknown;
  app.get("/api/openapi.json", (c) => {
    openApi ??= withStreamPath(openApiDocument(options.routes, version));
    return c.json(openApi);
  });

  // The live stream answers with text/event-stream, so it is not in the JSON route table.
  const hub = new StreamHub(options.deps.store, {
    ...options.streams,
    onError: options.onInternalError,
  });
  streamHubs.set(app, hub);
  app.get(STREAM_PATH, (c) => {
    const query = StreamQuery.safeParse(c.req.query());
    if (!query.success) {
      throw new ApiError(422, "INVALID_QUERY", "the query string is not valid", {
        issues: zodIssues(query.error),
      });
    }
    return streamResponse(c, hub, streamFilter(query.data));
  });

  const methodsByPath = new Map<string, string[]>();
  for (const route of options.routes) {
    const list = methodsByPath.get(route.path) ?? [];
    list.push(route.method);
    methodsByPath.set(route.path, list);
    app.on(route.method, route.path, async (c) => {
      const query = route.query.safeParse(c.req.query());
      if (!query.success) {
        throw new ApiError(422, "INVALID_QUERY", "the query string is not valid", {
          issues: zodIssues(query.error),
        });
      }
      let body: unknown;
      if (route.body !== undefined) {
        const text = await c.req.text();
        let raw: unknown;
        if (text.trim() !== "") {
          try {
            raw = JSON.parse(text);
          } catch (error) {
            throw new ApiError(
              400,
              "MALFORMED_JSON",
              `the body is not JSON: ${(error as Error).message}`,
            );
          }
        }
        const parsed = route.body.safeParse(raw);
        if (!parsed.success) {
          throw new ApiError(422, "INVALID_BODY", "the body does not match the schema", {
            issues: zodIssues(parsed.error),
          });
        }
        body = parsed.data;
      }
      const out = await route.handler({
        params: c.req.param(),
        query: query.data,
        body,
        deps: options.deps,
      });
      return c.json(out.body, out.status ?? route.successStatus);
    });
  }
  methodsByPath.set("/api/openapi.json", ["GET"]);
  methodsByPath.set(STREAM_PATH, ["GET"]);
  for (const [path, methods] of methodsByPath) {
    const allow = [...new Set([...methods, ...(methods.includes("GET") ? ["HEAD"] : [])])].join(
      ", ",
    );
    app.all(path, (c) => {
      c.header("Allow", allow);
      return c.json(
        errorBody(
          "METHOD_NOT_ALLOWED",
          `${c.req.method} is not allowed on ${c.req.path}; use ${allow}`,
        ),
        405,
      );
    });
  }
  return app;
}
