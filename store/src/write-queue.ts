/**
 * What the write-behind orchestrator holds between flushes. Run snapshots are coalesced by id:
 * the engine passes the same mutable record on every state change, so the map keeps the object
 * and the flush reads its fields as they are then.
 */
import type {
  CacheRecord,
  EventRecord,
  FlowRunRecord,
  LogRecord,
  StateRecord,
  TaskRunRecord,
} from "./wf-core.js";

export class WriteQueue {
  readonly flowRuns = new Map<string, FlowRunRecord>();
  readonly taskRuns = new Map<string, TaskRunRecord>();
  states: StateRecord[] = [];
  logs: LogRecord[] = [];
  events: EventRecord[] = [];
  readonly cache = new Map<string, CacheRecord>();

  /** Rows a flush of this queue would write. */
  get size(): number {
    return (
      this.flowRuns.size +
      this.taskRuns.size +
      this.states.length +
      this.logs.length +
      this.events.length +
      this.cache.size
    );
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  /**
   * Put back a batch whose transaction failed, ahead of what was queued since. A run queued again
   * meanwhile is the same object, so only one entry is kept.
   */
  restore(batch: WriteQueue): void {
    for (const [id, run] of batch.flowRuns) if (!this.flowRuns.has(id)) this.flowRuns.set(id, run);
    for (const [id, run] of batch.taskRuns) if (!this.taskRuns.has(id)) this.taskRuns.set(id, run);
    for (const [key, record] of batch.cache) if (!this.cache.has(key)) this.cache.set(key, record);
    this.states = batch.states.concat(this.states);
    this.logs = batch.logs.concat(this.logs);
    this.events = batch.events.concat(this.events);
  }
}
