/**
 * The Infrastructure port: run a flow-run job (a command with its environment) somewhere — a
 * local process, a container, a Kubernetes job — report its identifier, its exit, and kill it.
 */
export interface InfrastructureJob {
  /** The program and its arguments. */
  readonly command: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** A human-readable name (the flow run's name). */
  readonly name?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** Working directory, where the infrastructure has one. */
  readonly workingDirectory?: string;
}

export interface InfrastructureExit {
  /** The exit code, or null when the job was stopped by a signal. */
  readonly exitCode: number | null;
  readonly signal?: string;
}

export interface InfrastructureRunOptions {
  readonly signal?: AbortSignal;
  /** Receives the job's output as it is produced, where the infrastructure can stream it. */
  readonly onOutput?: (stream: "stdout" | "stderr", chunk: string) => void;
}

/** A started job. */
export interface InfrastructureHandle {
  /** Identifies the job to `kill()`, also from another process (a pid, a container id, ...). */
  readonly identifier: string;
  /** Settles once the job has ended. */
  readonly exit: Promise<InfrastructureExit>;
}

export interface Infrastructure {
  /** "process", "docker-container", "kubernetes-job", ... */
  readonly kind: string;
  /** Start the job; resolves once it is running. */
  run(job: InfrastructureJob, options?: InfrastructureRunOptions): Promise<InfrastructureHandle>;
  /** Stop a job by identifier; killing a job that has ended is not an error. */
  kill(identifier: string, options?: { readonly signal?: AbortSignal }): Promise<void>;
  close(): Promise<void>;
}
