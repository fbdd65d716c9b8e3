/**
 * How the HTTP orchestrator's write-behind queue goes over the wire: a drained queue becomes one
 * or more JSON bodies of at most `maxBytes` (the body of `POST /api/v1/orchestration/writes`),
 * each committed by the server in one transaction.
 */
import type { LogRecord } from "../orchestrator.js";
import { WRITE_SECTIONS, WriteQueue } from "../write-queue.js";

/** Log messages longer than this are cut so one line can never exceed a request's size limit. */
const MAX_LOG_MESSAGE_CHARS = 64 * 1024;

export interface WriteBody {
  readonly json: string;
  /** The records this body carries (put back alone if it fails). */
  readonly writes: WriteQueue;
}

/**
 * Split a batch into request bodies of at most about `maxBytes` each. Records are serialized now:
 * the snapshot a body carries is the run as it is at this moment; later changes go in a later
 * flush.
 */
export function toBodies(batch: WriteQueue, maxBytes: number): WriteBody[] {
  const bodies: WriteBody[] = [];
  let parts = new Map<string, string[]>();
  let writes = new WriteQueue();
  let bytes = 2;
  const close = () => {
    if (parts.size === 0) return;
    const fields = [...parts].map(([section, items]) => `"${section}":[${items.join(",")}]`);
    bodies.push({ json: `{${fields.join(",")}}`, writes });
    parts = new Map();
    writes = new WriteQueue();
    bytes = 2;
  };
  for (const section of WRITE_SECTIONS) {
    for (const record of batch.section(section)) {
      const json = JSON.stringify(section === "logs" ? cappedLog(record as LogRecord) : record);
      const cost = Buffer.byteLength(json) + section.length + 8;
      if (bytes + cost > maxBytes) close();
      let items = parts.get(section);
      if (items === undefined) {
        items = [];
        parts.set(section, items);
      }
      items.push(json);
      writes.add(section, record);
      bytes += cost;
    }
  }
  close();
  return bodies;
}

function cappedLog(log: LogRecord): LogRecord {
  if (log.message.length <= MAX_LOG_MESSAGE_CHARS) return log;
  const cut = log.message.length - MAX_LOG_MESSAGE_CHARS;
  return {
    ...log,
    message: `${log.message.slice(0, MAX_LOG_MESSAGE_CHARS)}… [${cut} characters cut]`,
  };
}
