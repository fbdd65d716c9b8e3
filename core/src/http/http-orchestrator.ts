/**
 * The HTTP Orchestrator: the engine runs in this process and `wf server` keeps the records. Run
 * writes queue here (write-behind, snapshots coalesced by id) and go to the server in batches, at
 * most one request in flight, each committed there in one transaction. The hot path never waits
 * on the network; `flush()` (before a flow run's final state is reported) does.
 */
import { hostname } from "node:os";
import { WfError } from "../errors.js";
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
import { ApiClient } from "./api-client.js";
import { HttpBlockRepository } from "./http-block-repository.js";
import { ORCHESTRATION_PATH } from "./paths.js";
import { postBodiesSync } from "./post-sync.js";
import { RunCommandPoller, type ClaimedCommand } from "../run-command-poller.js";
import { acquireSlots, LimitedTags, type SlotAttempt } from "../slot-acquirer.js";
import { WriteQueue } from "../write-queue.js";
import { toBodies } from "./write-batch.js";

export interface HttpOrchestratorOptions {
  /** The server, e.g. `http://127.0.0.1:4200`. */
  readonly url: string;
  readonly apiKey?: string | undefined;
  /** How long writes wait to be batched with others (default 50 ms). */
  readonly flushIntervalMs?: number;
  /** Queued rows that send a batch at once (default 2,000). */
  readonly flushThreshold?: number;
  /** Request bodies are split to stay under this (the server's default limit is 1 MiB). */
  readonly maxBodyBytes?: number;
  readonly commandPollIntervalMs?: number;
  readonly limitsRefreshMs?: number;
  /** How long slots are held without renewal (default 60 s; renewed every third of it). */
  readonly slotLeaseSeconds?: number;
}

export const DEFAULT_HTTP_FLUSH_INTERVAL_MS = 50;
const DEFAULT_FLUSH_THRESHOLD = 2_000;
const DEFAULT_MAX_BODY_BYTES = 768 * 1024;
const DEFAULT_COMMAND_POLL_INTERVAL_MS = 250;
const DEFAULT_LIMITS_REFRESH_MS = 1_000;
/** After a failed background flush, writes only queue for this long. */
const FAILED_FLUSH_COOLDOWN_MS = 1_000;
/**
 * Concurrency slots taken through the server are leases: held for this long and renewed every
 * third of it while the task runs, so a client that dies (on any machine) frees its slots.
 */
export const SLOT_LEASE_SECONDS = 60;
/** How long `flushSync()` (crash handlers) may block the process. */
const FLUSH_SYNC_TIMEOUT_MS = 5_000;

export class HttpOrchestrator implements Orchestrator {
  readonly kind = "http";
  readonly location: string;
  readonly blocks: HttpBlockRepository;

  readonly #client: ApiClient;
  readonly #apiKey: string | undefined;
  readonly #intervalMs: number;
  readonly #threshold: number;
  readonly #maxBodyBytes: number;

  #queue = new WriteQueue();
  /** Records of the batch being sent that the server may not have yet (cache reads, crashes). */
  #sending: WriteQueue | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failedAt = 0;
  #chain: Promise<void> = Promise.resolve();
  #nextFlush: Promise<void> | undefined;

  readonly #limited: LimitedTags;
  readonly #leases = new Map<ConcurrencyLease, string>();
  readonly #leaseSeconds: number;
  #renewer: NodeJS.Timeout | undefined;
  /** Slot releases on their way to the server; a flush waits for them too. */
  readonly #releases = new Set<Promise<unknown>>();

  readonly #commands: RunCommandPoller;

  readonly #background = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;
  #closed = false;

  constructor(options: HttpOrchestratorOptions) {
    this.#client = new ApiClient(options);
    this.#apiKey = options.apiKey;
    this.location = this.#client.baseUrl;
    this.blocks = new HttpBlockRepository(this.#client);
    this.#intervalMs = options.flushIntervalMs ?? DEFAULT_HTTP_FLUSH_INTERVAL_MS;
    this.#threshold = options.flushThreshold ?? DEFAULT_FLUSH_THRESHOLD;
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.#leaseSeconds = options.slotLeaseSeconds ?? SLOT_LEASE_SECONDS;
    this.#limited = new LimitedTags(async () => {
      const { body } = await this.#client.request<{ tags: string[] }>(
        "GET",
        `${ORCHESTRATION_PATH}/limited-tags`,
      );
      return body.tags;
    }, options.limitsRefreshMs ?? DEFAULT_LIMITS_REFRESH_MS);
    this.#commands = new RunCommandPoller({
      intervalMs: options.commandPollIntervalMs ?? DEFAULT_COMMAND_POLL_INTERVAL_MS,
      claim: async (flowRunIds) => {
        const { body } = await this.#client.request<{ commands: ClaimedCommand[] }>(
          "POST",
          `${ORCHESTRATION_PATH}/run-commands/claim`,
          { body: { flowRunIds } },
        );
        return body.commands;
      },
      track: (poll) => this.#track(poll),
    });
  }

  /** Check that the server answers and accepts the key (the first thing `wf run` does). */
  async ping(signal?: AbortSignal): Promise<void> {
    await this.#client.request("GET", `${ORCHESTRATION_PATH}/limited-tags`, { signal });
  }

  // ---- write-behind -------------------------------------------------------------------------

  saveFlowRun(run: FlowRunRecord): void {
    this.#assertOpen();
    this.#queue.flowRuns.set(run.id, run);
    this.#queued();
  }

  saveTaskRun(run: TaskRunRecord): void {
    this.#assertOpen();
    this.#queue.taskRuns.set(run.id, run);
    this.#queued();
  }

  appendState(state: StateRecord): void {
    this.#assertOpen();
    this.#queue.states.push(state);
    this.#queued();
  }

  appendLog(log: LogRecord): void {
    this.#assertOpen();
    this.#queue.logs.push(log);
    this.#queued();
  }

  appendEvent(event: EventRecord): void {
    this.#assertOpen();
    this.#queue.events.push(event);
    this.#queued();
  }

  writeCache(record: CacheRecord): void {
    this.#assertOpen();
    this.#queue.cache.set(record.key, record);
    this.#queued();
  }

  /** Rows waiting to be sent (tests and diagnostics). */
  get queuedRows(): number {
    return this.#queue.size;
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new WfError(`the connection to the wf server at ${this.location} is closed`, {
        code: "STORE_CLOSED",
      });
    }
  }

  #queued(): void {
    // Called on every state change: the clock is read only once the queue is full.
    if (
      this.#queue.size >= this.#threshold &&
      this.#nextFlush === undefined &&
      Date.now() - this.#failedAt >= FAILED_FLUSH_COOLDOWN_MS
    ) {
      this.#backgroundFlush();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(this.#onTimer, this.#intervalMs);
      this.#timer.unref();
    }
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    if (this.#closed || this.#queue.isEmpty) return;
    if (Date.now() - this.#failedAt < FAILED_FLUSH_COOLDOWN_MS) {
      this.#timer = setTimeout(this.#onTimer, FAILED_FLUSH_COOLDOWN_MS);
      this.#timer.unref();
      return;
    }
    this.#backgroundFlush();
  };

  #backgroundFlush(): void {
    this.#track(
      this.flush().catch(() => {
        // The rows stay queued; the next flush retries and reports the error to its caller.
        this.#failedAt = Date.now();
        this.#queued();
      }),
    );
  }

  /** Send everything queued so far (slot releases included); resolves once the server has it. */
  async flush(): Promise<void> {
    const releases = [...this.#releases];
    await this.#flushWrites();
    await Promise.allSettled(releases);
  }

  #flushWrites(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    // A flush queued behind the one in flight drains everything, ours included: share it.
    if (this.#nextFlush !== undefined) return this.#nextFlush;
    const next = this.#chain.then(() => {
      this.#nextFlush = undefined;
      return this.#send();
    });
    this.#nextFlush = next;
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #send(): Promise<void> {
    if (this.#queue.isEmpty) return;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const batch = this.#queue;
    this.#queue = new WriteQueue();
    const bodies = toBodies(batch, this.#maxBodyBytes);
    for (let i = 0; i < bodies.length; i++) {
      // What the server may not have yet: this body and the ones after it.
      const unsent = new WriteQueue();
      for (const rest of bodies.slice(i)) unsent.restore(rest.writes);
      this.#sending = unsent;
      try {
        await this.#client.request("POST", `${ORCHESTRATION_PATH}/writes`, {
          rawBody: bodies[i]!.json,
        });
      } catch (error) {
        // Put it back, ahead of what was queued since.
        this.#queue.restore(unsent);
        throw error;
      } finally {
        this.#sending = undefined;
      }
    }
  }

  flushSync(): boolean {
    if (this.#closed) return true;
    const pending = new WriteQueue();
    if (this.#sending !== undefined) pending.restore(this.#sending); // may not have arrived
    pending.restore(this.#queue);
    if (pending.isEmpty) return true;
    const ok = postBodiesSync({
      url: `${this.#client.baseUrl}${ORCHESTRATION_PATH}/writes`,
      apiKey: this.#apiKey,
      bodies: toBodies(pending, this.#maxBodyBytes).map((b) => b.json),
      timeoutMs: FLUSH_SYNC_TIMEOUT_MS,
    });
    if (ok) this.#queue = new WriteQueue();
    return ok;
  }

  // ---- cache --------------------------------------------------------------------------------

  async readCache(key: string, signal?: AbortSignal): Promise<CacheRecord | undefined> {
    signal?.throwIfAborted();
    const now = Date.now();
    const queued = this.#queue.cache.get(key) ?? this.#sending?.cache.get(key);
    if (queued !== undefined) return isLive(queued, now) ? queued : undefined;
    const { body } = await this.#client.request<{ record: CacheRecord | null }>(
      "GET",
      `${ORCHESTRATION_PATH}/cache?key=${encodeURIComponent(key)}`,
      { signal },
    );
    const record = body.record ?? undefined;
    return record !== undefined && isLive(record, now) ? record : undefined;
  }

  // ---- concurrency slots --------------------------------------------------------------------

  async acquireConcurrencySlots(
    tags: readonly string[],
    holderId: string,
    options: AcquireSlotsOptions = {},
  ): Promise<ConcurrencyLease | undefined> {
    const { signal } = options;
    const taken = await acquireSlots(
      tags,
      this.#limited,
      async (wanted) => {
        const { body } = await this.#client.request<SlotAttempt>(
          "POST",
          `${ORCHESTRATION_PATH}/concurrency-slots/acquire`,
          {
            body: {
              tags: wanted,
              holderId,
              pid: process.pid,
              hostname: hostname(),
              leaseSeconds: this.#leaseSeconds,
            },
            signal,
          },
        );
        return body;
      },
      { ...options, beforeAttempt: () => this.#assertOpen() },
    );
    return taken.length === 0 ? undefined : this.#lease(taken, holderId);
  }

  #lease(tags: readonly string[], holderId: string): ConcurrencyLease {
    let released = false;
    const lease: ConcurrencyLease = {
      tags,
      release: () => {
        if (released) return;
        released = true;
        this.#leases.delete(lease);
        if (this.#leases.size === 0) this.#stopRenewing();
        const release = this.#client
          .request("POST", `${ORCHESTRATION_PATH}/concurrency-slots/release`, {
            body: { tags, holderId },
          })
          .catch((error: unknown) => {
            process.emitWarning(
              `wf: could not release concurrency slots ${tags.join(", ")} of ${holderId}: ` +
                `${(error as Error).message}; the server reclaims them when process ${process.pid} ends`,
            );
          })
          .finally(() => this.#releases.delete(release));
        this.#releases.add(release);
        this.#track(release);
      },
    };
    this.#leases.set(lease, holderId);
    this.#renewer ??= setInterval(this.#renew, (this.#leaseSeconds * 1000) / 3).unref();
    return lease;
  }

  readonly #renew = (): void => {
    const holderIds = [...new Set(this.#leases.values())];
    if (holderIds.length === 0 || this.#closed) return;
    this.#track(
      this.#client
        .request("POST", `${ORCHESTRATION_PATH}/concurrency-slots/renew`, {
          body: { holderIds, leaseSeconds: this.#leaseSeconds },
        })
        .catch(() => undefined), // the next renewal tries again, well inside the lease
    );
  };

  #stopRenewing(): void {
    if (this.#renewer !== undefined) clearInterval(this.#renewer);
    this.#renewer = undefined;
  }

  // ---- run commands -------------------------------------------------------------------------

  watchFlowRun(flowRunId: string, onCommand: (command: RunCommand) => void): () => void {
    this.#assertOpen();
    return this.#commands.watch(flowRunId, onCommand);
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  #track(promise: Promise<unknown>): void {
    this.#background.add(promise);
    void promise.finally(() => this.#background.delete(promise));
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#commands.stop();
    let failure: unknown;
    try {
      await this.flush();
    } catch (error) {
      failure = error;
    }
    for (const lease of [...this.#leases.keys()]) lease.release();
    this.#stopRenewing();
    await Promise.allSettled([...this.#background]);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#closed = true;
    if (failure !== undefined) throw failure;
  }
}

function isLive(record: CacheRecord, now: number): boolean {
  return record.expiresAt === undefined || record.expiresAt > now;
}
