/**
 * Delivering cancel/resume commands to the flow runs a process watches, by polling whatever holds
 * them (the embedded store, or the server). One poll at a time, only while something is watched;
 * each command goes to every watcher of its run, and one watcher's failure is its own.
 */
import type { RunCommand } from "./orchestrator.js";

export interface ClaimedCommand {
  readonly flowRunId: string;
  readonly command: RunCommand;
}

export interface RunCommandPollerOptions {
  readonly intervalMs: number;
  /** Take the undelivered commands of these flow runs (each is delivered once). */
  readonly claim: (flowRunIds: readonly string[]) => Promise<readonly ClaimedCommand[]>;
  /** Keep track of the poll in flight (so `close()` can wait for it). */
  readonly track: (poll: Promise<unknown>) => void;
}

export class RunCommandPoller {
  readonly #options: RunCommandPollerOptions;
  readonly #watchers = new Map<string, Set<(command: RunCommand) => void>>();
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #stopped = false;

  constructor(options: RunCommandPollerOptions) {
    this.#options = options;
  }

  /** Deliver this run's commands to `onCommand` until the returned function is called. */
  watch(flowRunId: string, onCommand: (command: RunCommand) => void): () => void {
    let watchers = this.#watchers.get(flowRunId);
    if (watchers === undefined) {
      watchers = new Set();
      this.#watchers.set(flowRunId, watchers);
    }
    // A function of its own, so the same callback watched twice is two watchers.
    const watcher = (command: RunCommand) => onCommand(command);
    watchers.add(watcher);
    this.#timer ??= setInterval(this.#poll, this.#options.intervalMs).unref();
    return () => {
      const current = this.#watchers.get(flowRunId);
      if (current === undefined) return;
      current.delete(watcher);
      if (current.size === 0) this.#watchers.delete(flowRunId);
      if (this.#watchers.size === 0) this.#stopTimer();
    };
  }

  /** Stop polling and forget every watcher. */
  stop(): void {
    this.#stopped = true;
    this.#watchers.clear();
    this.#stopTimer();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  readonly #poll = (): void => {
    if (this.#polling || this.#stopped || this.#watchers.size === 0) return;
    this.#polling = true;
    this.#options.track(
      this.#deliver()
        .catch(() => undefined) // the store or server is busy or away: try again next tick
        .finally(() => {
          this.#polling = false;
        }),
    );
  };

  async #deliver(): Promise<void> {
    const claimed = await this.#options.claim([...this.#watchers.keys()]);
    for (const { flowRunId, command } of claimed) {
      for (const watcher of this.#watchers.get(flowRunId) ?? []) {
        try {
          watcher(command);
        } catch {
          // a watcher's failure is its own; the others still hear the command
        }
      }
    }
  }
}
