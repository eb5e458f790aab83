import { BatchedLines, LOG_FLUSH_BYTES, LOG_FLUSH_MS, type ChunkSink } from '../../../src/cli/batched-lines';

// BatchedLines hands pino's lines to the stdout writer in chunks: after LOG_FLUSH_MS, at
// LOG_FLUSH_BYTES, or when flushed, ended or at exit, and never drops a line.

class FakeSink implements ChunkSink {
  readonly chunks: string[] = [];
  readonly direct: string[] = [];
  flushes = 0;
  syncFlushes = 0;
  ended = false;
  write(chunk: Buffer): void { this.chunks.push(chunk.toString('utf8')); }
  flush(cb?: (err?: Error) => void): void { this.flushes += 1; cb?.(); }
  flushSync(): void { this.syncFlushes += 1; }
  end(): void { this.ended = true; }
  writeDirect(chunk: Buffer): void { this.direct.push(chunk.toString('utf8')); }
}

describe('BatchedLines', () => {
  beforeEach(() => { jest.useFakeTimers(); });
  afterEach(() => { jest.useRealTimers(); });

  it('hands the lines of LOG_FLUSH_MS over as one chunk, in order', () => {
    const sink = new FakeSink();
    const lines = new BatchedLines(sink);
    lines.write('a\n');
    lines.write('é\n');
    jest.advanceTimersByTime(LOG_FLUSH_MS - 1);
    expect(sink.chunks).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(sink.chunks).toEqual(['a\né\n']);
    lines.write('b\n');
    jest.advanceTimersByTime(LOG_FLUSH_MS);
    expect(sink.chunks).toEqual(['a\né\n', 'b\n']);
  });

  it('hands over at once when LOG_FLUSH_BYTES are waiting', () => {
    const sink = new FakeSink();
    const lines = new BatchedLines(sink);
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < LOG_FLUSH_BYTES / 1024; i++) lines.write(line);
    expect(sink.chunks).toHaveLength(1);
    expect(sink.chunks[0]).toHaveLength(LOG_FLUSH_BYTES);
    jest.advanceTimersByTime(LOG_FLUSH_MS);
    expect(sink.chunks).toHaveLength(1);
  });

  it('flush, flushSync and end pass on what is waiting before the sink acts', () => {
    const sink = new FakeSink();
    const lines = new BatchedLines(sink);
    lines.write('1\n');
    const done = jest.fn();
    lines.flush(done);
    expect(sink.chunks).toEqual(['1\n']);
    expect(done).toHaveBeenCalled();
    lines.write('2\n');
    lines.flushSync();
    expect(sink.chunks).toEqual(['1\n', '2\n']);
    expect(sink.syncFlushes).toBe(1);
    lines.write('3\n');
    lines.end();
    expect(sink.chunks).toEqual(['1\n', '2\n', '3\n']);
    expect(sink.ended).toBe(true);
  });

  it('writes straight to the descriptor once the sink was ended (pino ends it on beforeExit)', () => {
    const sink = new FakeSink();
    const lines = new BatchedLines(sink);
    sink.ended = true;
    lines.write('late\n');
    lines.flushSync();
    expect(sink.direct).toEqual(['late\n']);
    expect(sink.chunks).toEqual([]);
    expect(sink.syncFlushes).toBe(0);
  });
});
