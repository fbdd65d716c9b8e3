/** The OpenAPI 3.1 document, generated from the route table and its zod schemas. */
import { z } from "zod";
import type { Route } from "./routes.js";
import { ErrorResponse } from "./schemas.js";

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "malformed JSON",
  401: "missing or wrong API key",
  404: "not found",
  409: "conflicts with the current state",
  413: "body too large",
  422: "invalid body or query",
  429: "rate limited (see Retry-After)",
};

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
  }) as Record<string, unknown>;
  return rest;
}

function queryParameters(route: Route): Record<string, unknown>[] {
  const schema = jsonSchema(route.query, "input");
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: "query",
      required: required.has(name),
      ...(typeof description === "string" && { description }),
      schema: rest,
    };
  });
}

/** OpenAPI 3.1 for `routes`; `/api/openapi.json` serves it. */
export function openApiDocument(routes: readonly Route[], version: string): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  const error = {
    content: { "application/json": { schema: jsonSchema(ErrorResponse, "output") } },
  };
  for (const route of [...routes, openApiRoute()]) {
    const path = route.path.replace(/:([A-Za-z]+)/g, "{$1}");
    const pathParams = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const responses: Record<string, unknown> = {
      [String(route.successStatus)]: {
        description: "success",
        content: { "application/json": { schema: jsonSchema(route.response, "output") } },
      },
    };
    const statuses = new Set([...route.errors, 429, ...(route.auth ? [401] : [])]);
    for (const status of [...statuses].sort()) {
      responses[String(status)] = { description: STATUS_TEXT[status] ?? "error", ...error };
    }
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      summary: route.summary,
      tags: [route.tag],
      operationId: `${route.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase())}`,
      parameters: [...pathParams, ...queryParameters(route)],
      ...(route.body !== undefined && {
        requestBody: {
          required: true,
          content: { "application/json": { schema: jsonSchema(route.body, "input") } },
        },
      }),
      ...(!route.auth && { security: [] }),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "wf server API", version },
    components: {
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "wf_<prefix>_<secret>" },
      },
    },
    security: [{ apiKey: [] }],
    paths,
  };
}

/** The document's own route, listed in itself. */
function openApiRoute(): Route {
  return {
    method: "GET",
    path: "/api/openapi.json",
    summary: "This OpenAPI 3.1 document",
    tag: "server",
    auth: true,
    query: z.strictObject({}),
    response: z.record(z.string(), z.json()),
    successStatus: 200,
    errors: [],
    handler: () => Promise.resolve({ body: null }),
  } as unknown as Route;
}
