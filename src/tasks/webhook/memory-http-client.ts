import type { HttpClient, HttpPostRequest, HttpResponse } from './http-client';

/** A scripted reply: a response, or an error to throw (a WebhookNetworkError, say). */
export type ScriptedReply = Partial<HttpResponse> & { status: number } | { throw: unknown };

/** An HttpClient for tests: records every request and answers from a script (then 200). */
export class MemoryHttpClient implements HttpClient {
  readonly requests: HttpPostRequest[] = [];
  private readonly script: ScriptedReply[];

  constructor(script: ScriptedReply[] = []) {
    this.script = [...script];
  }

  /** Appends replies to the script. */
  reply(...replies: ScriptedReply[]): void {
    this.script.push(...replies);
  }

  async post(request: HttpPostRequest): Promise<HttpResponse> {
    this.requests.push(request);
    const next = this.script.shift() ?? { status: 200 };
    if ('throw' in next) throw next.throw;
    return { headers: {}, body: '', ...next };
  }
}
