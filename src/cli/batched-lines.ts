/** Where BatchedLines hands its chunks: SonicBoom in production, anything with these methods in tests. */
export interface ChunkSink {
  write(chunk: Buffer): void;
  flush(cb?: (err?: Error) => void): void;
  flushSync(): void;
  end(): void;
  /** True once the sink was ended and can take no more writes. */
  readonly ended: boolean;
  /** Last resort once ended: the chunk straight to the descriptor. */
  writeDirect(chunk: Buffer): void;
}

/** Lines wait at most this long before they are handed to the sink. */
export const LOG_FLUSH_MS = 10;
/** ...or until this many bytes are waiting. */
export const LOG_FLUSH_BYTES = 16 * 1024;

/**
 * pino's destination (its `write(line)`, and the flushes `logger.flush()` and exit handling use)
 * that collects lines for up to LOG_FLUSH_MS, or LOG_FLUSH_BYTES, and hands them to the sink as one
 * chunk. A worker logs two lines per task; each hand-over that finds SonicBoom idle costs a write(2)
 * on libuv's thread pool and a wake-up of the event loop when it completes. flush, flushSync, end and
 * handOver (the process's exit hooks call it) pass on what is waiting first, so nothing is dropped
 * but by a SIGKILL, which loses at most the last LOG_FLUSH_MS of log lines.
 */
export class BatchedLines {
  private waiting: Buffer[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly sink: ChunkSink) {}

  write(line: string): boolean {
    const buf = Buffer.from(line, 'utf8');
    this.waiting.push(buf);
    this.bytes += buf.length;
    if (this.bytes >= LOG_FLUSH_BYTES) this.handOver();
    else if (this.timer === undefined) this.timer = setTimeout(() => this.handOver(), LOG_FLUSH_MS).unref();
    return true;
  }

  /** Passes what is waiting to the sink now (straight to the descriptor if the sink was ended). */
  handOver(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiting.length === 0) return;
    const chunk = this.waiting.length === 1 ? this.waiting[0] as Buffer : Buffer.concat(this.waiting, this.bytes);
    this.waiting = [];
    this.bytes = 0;
    if (this.sink.ended) this.sink.writeDirect(chunk);
    else this.sink.write(chunk);
  }

  flush(cb?: (err?: Error) => void): void {
    this.handOver();
    this.sink.flush(cb);
  }

  flushSync(): void {
    this.handOver();
    if (!this.sink.ended) this.sink.flushSync();
  }

  end(): void {
    this.handOver();
    this.sink.end();
  }
}
