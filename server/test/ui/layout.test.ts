/**
 * The UI's pure pieces, imported straight from its browser modules (plain ES modules whose only
 * imports, Preact and htm, also load in Node): timeline lanes, the graph layout, and how JSON
 * Schemas map to form fields.
 */
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { blockRef, secret } from "@wf/core/plugin";

interface Item {
  start: number;
  end: number;
  lane?: number;
}
interface Task {
  id: string;
  upstream: Record<string, string[]>;
}
type Schema = Record<string, unknown>;

// Non-literal specifiers: these are browser JavaScript, not part of the type-checked sources.
const timeline = (await import("../../ui/components/timeline.js" as string)) as {
  assignLanes(items: Item[]): number;
};
const graph = (await import("../../ui/components/graph.js" as string)) as {
  layoutGraph(tasks: Task[]): {
    edges: { from: string; to: string; param: string }[];
    pos: Map<string, { x: number; y: number }>;
  };
};
const form = (await import("../../ui/components/schema-form.js" as string)) as {
  resolve(schema: Schema, root: Schema): Schema;
  fieldKind(schema: Schema, root: Schema): string;
  humanize(key: string): string;
};

describe("timeline lanes", () => {
  test("overlapping runs get separate lanes; a lane is reused once free", () => {
    const items: Item[] = [
      { start: 0, end: 10 },
      { start: 5, end: 15 },
      { start: 10, end: 20 },
      { start: 11, end: 12 },
    ];
    expect(timeline.assignLanes(items)).toBe(3);
    expect(items.map((i) => i.lane)).toEqual([0, 1, 0, 2]);
  });

  test("sequential runs share one lane", () => {
    const items: Item[] = [
      { start: 20, end: 30 },
      { start: 0, end: 10 },
      { start: 10, end: 20 },
    ];
    expect(timeline.assignLanes(items)).toBe(1);
  });
});

describe("dependency graph layout", () => {
  test("columns by dependency depth, an edge per upstream task run of the run", () => {
    const tasks: Task[] = [
      { id: "a", upstream: {} },
      { id: "b", upstream: { x: ["a"] } },
      { id: "c", upstream: { x: ["a"], other: ["not-in-this-run"] } },
      { id: "d", upstream: { left: ["b"], right: ["c", "c"] } },
      { id: "e", upstream: { x: ["a"], y: ["d"] } },
    ];
    const { edges, pos } = graph.layoutGraph(tasks);
    expect(edges.map((e) => `${e.from}->${e.to}`).sort()).toEqual([
      "a->b",
      "a->c",
      "a->e",
      "b->d",
      "c->d",
      "d->e",
    ]);
    const column = (id: string) => pos.get(id)!.x;
    expect(column("a")).toBeLessThan(column("b"));
    expect(column("b")).toBe(column("c"));
    expect(column("c")).toBeLessThan(column("d"));
    expect(column("d")).toBeLessThan(column("e"));
    expect(pos.get("b")!.y).not.toBe(pos.get("c")!.y);
  });
});

describe("form fields from JSON Schema", () => {
  const Secret = { slug: "secret" };
  const schema = z.toJSONSchema(
    z.object({
      host: z.string(),
      port: z.number().int(),
      ratio: z.number().nullable(),
      mode: z.enum(["a", "b"]),
      tls: z.boolean(),
      password: secret(z.string()),
      creds: blockRef(Secret),
      tags: z.array(z.string()),
      env: z.record(z.string(), z.string()),
      nested: z.object({ depth: z.number() }),
      anything: z.json(),
      list: z.array(z.object({ a: z.string() })),
    }),
  ) as Schema;
  const props = schema.properties as Record<string, Schema>;
  const kind = (key: string) => form.fieldKind(form.resolve(props[key]!, schema), schema);

  test("each schema shape gets its editor", () => {
    expect(Object.fromEntries(Object.keys(props).map((k) => [k, kind(k)]))).toEqual({
      host: "string",
      port: "number",
      ratio: "number",
      mode: "enum",
      tls: "boolean",
      password: "string",
      creds: "blockref",
      tags: "array",
      env: "map",
      nested: "object",
      anything: "json",
      list: "json",
    });
    expect(form.resolve(props.password!, schema)["x-wf-secret"]).toBe(true);
    expect(form.resolve(props.ratio!, schema).nullable).toBe(true);
  });

  test("local $refs resolve", () => {
    const root = { $defs: { port: { type: "integer", minimum: 1 } } };
    expect(form.resolve({ $ref: "#/$defs/port", description: "d" }, root)).toEqual({
      type: "integer",
      minimum: 1,
      description: "d",
    });
  });

  test("labels", () => {
    expect(form.humanize("basePath")).toBe("Base path");
    expect(form.humanize("url")).toBe("URL");
    expect(form.humanize("api_key_id")).toBe("API key ID");
  });
});
