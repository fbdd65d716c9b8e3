/** Events: anything that happened, stored (and later matched by automations). */
import { newId } from "./ids.js";
import type { EventRecord, EventResource, JsonValue } from "./orchestrator.js";
import { getOrchestrator, peekOrchestrator } from "./orchestrator-registry.js";
import { redactJson } from "./redaction.js";

export interface EmitEventOptions {
  /** Dotted name, e.g. "marvin.sent.event". */
  readonly event: string;
  readonly resource: EventResource;
  readonly related?: readonly EventResource[];
  readonly payload?: Record<string, JsonValue>;
  /** When it happened (default: now). */
  readonly occurred?: Date;
}

/** Record an event; returns it at once (storing is write-behind). */
export function emitEvent(options: EmitEventOptions): EventRecord {
  if (typeof options.event !== "string" || options.event.length === 0) {
    throw new TypeError("emitEvent: `event` must be a non-empty string");
  }
  if (typeof options.resource?.["wf.resource.id"] !== "string") {
    throw new TypeError('emitEvent: `resource` needs a "wf.resource.id" string');
  }
  const record: EventRecord = {
    id: newId(),
    event: options.event,
    occurred: options.occurred?.getTime() ?? Date.now(),
    resource: options.resource,
    related: options.related ?? [],
    payload: redactJson(options.payload ?? {}),
  };
  const orchestrator = peekOrchestrator();
  if (orchestrator) orchestrator.appendEvent(record);
  else {
    getOrchestrator().then(
      (o) => o.appendEvent(record),
      (error: unknown) =>
        process.emitWarning(`wf: event '${record.event}' was not stored: ${String(error)}`),
    );
  }
  return record;
}
