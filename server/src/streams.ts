/**
 * `GET /api/v1/stream`: server-sent events of flow runs, task runs, log lines and events as they
 * are written, by anyone (this server, or a `wf run` writing to the same database).
 *
 * One tail poller per server reads the store's change feed (`RunStore.openChangeFeed()`) every
 * 250 ms while at least one client is connected, turns each change into its API JSON once, and
 * fans it out: N clients cost one query set. Each client has its own queue and writer, so a slow
 * client never holds up the others; one that falls too far behind is disconnected.
 */
import type { Context } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import type { ChangeBatch, ChangeFeed, Store } from "@wf/store";
import { eventJson, flowRunJson, logJson, taskRunJson } from "./json.js";
import { StreamTopic, type StreamQuery } from "./schemas.js";

export const STREAM_PATH = "/api/v1/stream";
export const DEFAULT_STREAM_POLL_MS = 250;
export const DEFAULT_KEEP_ALIVE_MS = 15_000;
/** Messages a client may have waiting before it is disconnected as too slow. */
export const MAX_QUEUED_MESSAGES = 10_000;

export type StreamTopicName = (typeof StreamTopic.options)[number];

/** The SSE event name of each topic (the UI codes against these). */
const EVENT_NAME: Readonly<Record<StreamTopicName, string>> = {
  "flow-runs": "flow-run",
  "task-runs": "task-run",
  logs: "log",
  events: "event",
};

/** One change, serialised once for every client. */
interface Message {
  readonly topic: StreamTopicName;
  readonly data: string;
  /** The flow run this change belongs to, for the `flowRunId` filter. */
  readonly flowRunIds: readonly string[];
}

export interface StreamFilter {
  readonly topics: ReadonlySet<StreamTopicName>;
  readonly flowRunId?: string;
}

interface Subscriber {
  readonly filter: StreamFilter;
  readonly queue: Message[];
  wake: (() => void) | undefined;
  closed: boolean;
  /** Ends this client's stream (the hub calls it on close or when the client is too slow). */
  readonly end: () => void;
}

export interface StreamHubOptions {
  readonly pollIntervalMs?: number;
  readonly keepAliveMs?: number;
  /** Where a failed poll is reported (the poller keeps going). */
  readonly onError?: (error: unknown) => void;
}

function relatedFlowRunIds(event: ReturnType<typeof eventJson>): string[] {
  const ids: string[] = [];
  for (const resource of [event.resource, ...event.related]) {
    const id = resource["wf.resource.id"];
    if (id?.startsWith("wf.flow-run.")) ids.push(id.slice("wf.flow-run.".length));
  }
  return ids;
}

/** The changes of one read, as messages. */
function messagesOf(batch: ChangeBatch): Message[] {
  const out: Message[] = [];
  for (const run of batch.flowRuns) {
    out.push({ topic: "flow-runs", data: JSON.stringify(flowRunJson(run)), flowRunIds: [run.id] });
  }
  for (const task of batch.taskRuns) {
    out.push({
      topic: "task-runs",
      data: JSON.stringify(taskRunJson(task)),
      flowRunIds: task.flowRunId === undefined ? [] : [task.flowRunId],
    });
  }
  for (const log of batch.logs) {
    out.push({
      topic: "logs",
      data: JSON.stringify(logJson(log)),
      flowRunIds: log.flowRunId === undefined ? [] : [log.flowRunId],
    });
  }
  for (const event of batch.events) {
    const json = eventJson(event);
    out.push({ topic: "events", data: JSON.stringify(json), flowRunIds: relatedFlowRunIds(json) });
  }
  return out;
}

function wants(filter: StreamFilter, message: Message): boolean {
  if (!filter.topics.has(message.topic)) return false;
  return filter.flowRunId === undefined || message.flowRunIds.includes(filter.flowRunId);
}

/** The one tail poller of a server and its subscribers. */
export class StreamHub {
  readonly #store: Store;
  readonly #pollIntervalMs: number;
  readonly #onError: (error: unknown) => void;
  readonly keepAliveMs: number;
  readonly #subscribers = new Set<Subscriber>();
  #feed: ChangeFeed | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #closed = false;
  /** Completed polls (tests wait on it). */
  polls = 0;

  constructor(store: Store, options: StreamHubOptions = {}) {
    this.#store = store;
    this.#pollIntervalMs = options.pollIntervalMs ?? DEFAULT_STREAM_POLL_MS;
    this.keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
    this.#onError = options.onError ?? (() => undefined);
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** True while the tail poller is scheduled or running. */
  get polling(): boolean {
    return this.#timer !== undefined || this.#polling;
  }

  /** Start receiving the changes `filter` selects; returns the subscriber to read from. */
  subscribe(filter: StreamFilter, end: () => void): Subscriber {
    const subscriber: Subscriber = { filter, queue: [], wake: undefined, closed: false, end };
    if (this.#closed) {
      subscriber.closed = true;
      return subscriber;
    }
    this.#subscribers.add(subscriber);
    if (!this.polling) this.#schedule(0);
    return subscriber;
  }

  unsubscribe(subscriber: Subscriber): void {
    subscriber.closed = true;
    subscriber.wake?.();
    this.#subscribers.delete(subscriber);
    if (this.#subscribers.size === 0) this.#stop();
  }

  /** End every open stream and stop the poller (idempotent). */
  close(): void {
    this.#closed = true;
    for (const subscriber of [...this.#subscribers]) {
      this.unsubscribe(subscriber);
      subscriber.end();
    }
    this.#stop();
  }

  #stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    // The next first subscriber starts from what is stored then, not from a stale cursor.
    this.#feed = undefined;
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#poll();
    }, delayMs);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    if (this.#subscribers.size === 0 || this.#closed) return;
    this.#polling = true;
    let more = false;
    try {
      if (this.#feed === undefined) {
        const feed = this.#store.runs.openChangeFeed();
        await feed.start();
        this.#feed = feed;
      } else {
        const feed = this.#feed;
        const batch = await feed.read();
        more = batch.more;
        // Dropped while the read ran (everyone left): its changes are for nobody.
        if (this.#feed === feed) this.#publish(messagesOf(batch));
      }
    } catch (error) {
      if (this.#subscribers.size > 0 && !this.#closed) this.#onError(error);
    } finally {
      this.#polling = false;
      this.polls += 1;
    }
    if (this.#subscribers.size > 0 && !this.#closed && this.#timer === undefined) {
      this.#schedule(more ? 0 : this.#pollIntervalMs);
    }
  }

  #publish(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    for (const subscriber of this.#subscribers) {
      let added = false;
      for (const message of messages) {
        if (!wants(subscriber.filter, message)) continue;
        subscriber.queue.push(message);
        added = true;
      }
      if (subscriber.queue.length > MAX_QUEUED_MESSAGES) {
        // Too slow to keep up: holding its backlog would grow without bound.
        this.unsubscribe(subscriber);
        subscriber.end();
      } else if (added) subscriber.wake?.();
    }
  }
}

/** Parse `topics` / `flowRunId` (already validated by `StreamQuery`). */
export function streamFilter(query: ReturnType<typeof StreamQuery.parse>): StreamFilter {
  return {
    topics: new Set(query.topics ?? StreamTopic.options),
    ...(query.flowRunId !== undefined && { flowRunId: query.flowRunId }),
  };
}

/** Write a subscriber's messages to its SSE stream until it is closed or the client leaves. */
async function pump(
  hub: StreamHub,
  stream: SSEStreamingApi,
  subscriber: Subscriber,
): Promise<void> {
  let lastWrite = Date.now();
  while (!subscriber.closed && !stream.aborted && !stream.closed) {
    const message = subscriber.queue.shift();
    if (message !== undefined) {
      await stream.writeSSE({ event: EVENT_NAME[message.topic], data: message.data });
      lastWrite = Date.now();
      continue;
    }
    const idle = hub.keepAliveMs - (Date.now() - lastWrite);
    if (idle <= 0) {
      await stream.write(": keep-alive\n\n");
      lastWrite = Date.now();
      continue;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, idle);
      function done() {
        clearTimeout(timer);
        subscriber.wake = undefined;
        resolve();
      }
      subscriber.wake = done;
    });
  }
}

/** The handler of `GET /api/v1/stream` (the query is validated by the caller). */
export function streamResponse(c: Context, hub: StreamHub, filter: StreamFilter): Response {
  return streamSSE(c, async (stream) => {
    const subscriber = hub.subscribe(filter, () => void stream.close());
    const leave = () => hub.unsubscribe(subscriber);
    stream.onAbort(leave);
    c.req.raw.signal.addEventListener("abort", leave, { once: true });
    try {
      // A comment first, so the client sees the stream open before any change arrives.
      await stream.write(": connected\n\n");
      await pump(hub, stream, subscriber);
    } finally {
      leave();
    }
  });
}

/** The stream's entry in the OpenAPI document (a streaming route is not in the route table). */
export function streamOpenApiPath(): Record<string, unknown> {
  return {
    get: {
      summary:
        "Live changes as server-sent events: `flow-run`, `task-run`, `log` and `event` messages (same JSON as the REST routes), a `: keep-alive` comment every 15 s",
      tags: ["stream"],
      operationId: "getApiV1Stream",
      parameters: [
        {
          name: "topics",
          in: "query",
          required: false,
          description: "comma-separated: flow-runs,task-runs,logs,events (default all)",
          schema: { type: "string" },
        },
        {
          name: "flowRunId",
          in: "query",
          required: false,
          description:
            "only this flow run: its own updates, its task runs, its logs, and events that name it",
          schema: { type: "string" },
        },
      ],
      responses: {
        "200": {
          description: "an endless text/event-stream",
          content: { "text/event-stream": { schema: { type: "string" } } },
        },
        "401": { description: "missing or wrong API key" },
        "422": { description: "invalid query" },
        "429": { description: "rate limited (see Retry-After)" },
      },
    },
  };
}
