/**
 * An Orchestrator that keeps everything in memory: for unit tests of the engine and of code built
 * on it. It follows the same contract as the embedded store, including concurrency limits and
 * run commands (sent with `sendCommand`).
 */
import type {
  AcquireSlotsOptions,
  CacheRecord,
  ConcurrencyLease,
  EventRecord,
  FlowRunRecord,
  LogRecord,
  Orchestrator,
  RunCommand,
  StateRecord,
  TaskRunRecord,
} from "../orchestrator.js";
import { stateChangeEvent } from "../state-events.js";
import { MemoryBlockRepository } from "./memory-block-repository.js";

export class MemoryOrchestrator implements Orchestrator {
  readonly kind = "memory";
  readonly location = "memory";
  readonly blocks = new MemoryBlockRepository();
  readonly flowRuns = new Map<string, FlowRunRecord>();
  readonly taskRuns = new Map<string, TaskRunRecord>();
  readonly states: StateRecord[] = [];
  readonly logs: LogRecord[] = [];
  /** Events appended with `appendEvent` (state changes are in `states`). */
  readonly appendedEvents: EventRecord[] = [];
  readonly cache = new Map<string, CacheRecord>();
  readonly limits = new Map<string, number>();
  readonly #slots = new Map<string, Set<string>>();
  readonly #slotWaiters: (() => void)[] = [];
  readonly #watchers = new Map<string, Set<(command: RunCommand) => void>>();
  flushCount = 0;

  saveFlowRun(run: FlowRunRecord): void {
    this.flowRuns.set(run.id, run);
  }
  saveTaskRun(run: TaskRunRecord): void {
    this.taskRuns.set(run.id, run);
  }
  appendState(state: StateRecord): void {
    this.states.push(state);
  }
  appendLog(log: LogRecord): void {
    this.logs.push(log);
  }
  appendEvent(event: EventRecord): void {
    this.appendedEvents.push(event);
  }

  /** Every event in recording order: those appended and one per state change. */
  get events(): EventRecord[] {
    const previous = new Map<string, StateRecord>();
    const derived: EventRecord[] = [];
    for (const state of this.states) {
      const run =
        state.runKind === "flow" ? this.flowRuns.get(state.runId) : this.taskRuns.get(state.runId);
      if (run !== undefined) {
        derived.push(stateChangeEvent(state, previous.get(state.runId), run));
      }
      previous.set(state.runId, state);
    }
    // Ids are time-ordered (UUIDv7), as in the store.
    return [...this.appendedEvents, ...derived].sort((a, b) =>
      a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
  }
  writeCache(record: CacheRecord): void {
    this.cache.set(record.key, record);
  }
  async flush(): Promise<void> {
    this.flushCount++;
  }
  flushSync(): boolean {
    this.flushCount++;
    return true;
  }

  async readCache(key: string): Promise<CacheRecord | undefined> {
    const record = this.cache.get(key);
    if (!record) return undefined;
    if (record.expiresAt !== undefined && record.expiresAt <= Date.now()) return undefined;
    return record;
  }

  /** Set a concurrency limit for a tag (what `wf concurrency-limit create` does). */
  setLimit(tag: string, limit: number): void {
    this.limits.set(tag, limit);
  }

  async acquireConcurrencySlots(
    tags: readonly string[],
    holderId: string,
    options: AcquireSlotsOptions = {},
  ): Promise<ConcurrencyLease | undefined> {
    const limited = tags.filter((t) => this.limits.has(t));
    if (limited.length === 0) return undefined;
    let waited = false;
    for (;;) {
      options.signal?.throwIfAborted();
      const full = limited.some(
        (t) => (this.#slots.get(t)?.size ?? 0) >= (this.limits.get(t) ?? 0),
      );
      if (!full) break;
      if (!waited) {
        waited = true;
        options.onWait?.(limited);
      }
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(options.signal?.reason);
        options.signal?.addEventListener("abort", onAbort, { once: true });
        this.#slotWaiters.push(() => {
          options.signal?.removeEventListener("abort", onAbort);
          resolve();
        });
      });
    }
    for (const t of limited) {
      let holders = this.#slots.get(t);
      if (!holders) this.#slots.set(t, (holders = new Set()));
      holders.add(holderId);
    }
    let released = false;
    return {
      tags: limited,
      release: () => {
        if (released) return;
        released = true;
        for (const t of limited) this.#slots.get(t)?.delete(holderId);
        for (const wake of this.#slotWaiters.splice(0)) wake();
      },
    };
  }

  /** Active slot holders of a tag. */
  slotsInUse(tag: string): number {
    return this.#slots.get(tag)?.size ?? 0;
  }

  watchFlowRun(flowRunId: string, onCommand: (command: RunCommand) => void): () => void {
    let set = this.#watchers.get(flowRunId);
    if (!set) this.#watchers.set(flowRunId, (set = new Set()));
    set.add(onCommand);
    return () => set.delete(onCommand);
  }

  /** Deliver a command as another process would (`wf flow-run cancel|resume`). */
  sendCommand(flowRunId: string, command: RunCommand): void {
    for (const listener of this.#watchers.get(flowRunId) ?? []) listener(command);
  }

  statesOf(runId: string): StateRecord[] {
    return this.states.filter((s) => s.runId === runId);
  }

  async close(): Promise<void> {}
}
