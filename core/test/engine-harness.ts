/** What the engine suite needs from a backend: install it for a test, then read back its records. */
import type {
  EventRecord,
  FlowRunRecord,
  LogRecord,
  RunCommand,
  TaskRunRecord,
} from "../src/index.js";

export interface EngineHarness {
  /** Fresh WF_HOME and backend, installed with `setOrchestrator`. */
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** How long a run command may take to reach a watching run (polling backends). */
  readonly commandLatencyMs: number;
  /** Whether anything was flushed to the backend (memory) or can be read back from it. */
  flushedSomething(): Promise<boolean>;
  /** Flow runs as stored, oldest first (written-behind rows flushed first). */
  flowRuns(): Promise<FlowRunRecord[]>;
  flowRun(id: string): Promise<FlowRunRecord | undefined>;
  taskRuns(): Promise<TaskRunRecord[]>;
  stateNames(runId: string): Promise<string[]>;
  logs(): Promise<LogRecord[]>;
  events(): Promise<EventRecord[]>;
  setLimit(tag: string, limit: number): Promise<void>;
  slotsInUse(tag: string): Promise<number>;
  /** Send a cancel/resume command the way another process would. */
  sendCommand(flowRunId: string, command: RunCommand): Promise<void>;
}
