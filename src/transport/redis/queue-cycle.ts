/**
 * kombu's round-robin over a consumer's queues (`kombu.utils.scheduling.round_robin_cycle`): pops try
 * the queues in cycle order, and the queue that yielded a message moves to the end (`rotate`), so
 * every queue gets its turn. Also keeps the queues in the order they were given, for `queues()`. Pure.
 */
export class QueueCycle {
  private readonly given: string[];
  private order: string[];

  constructor(queues: readonly string[]) {
    this.given = [...new Set(queues)];
    this.order = [...this.given];
  }

  /** Number of queues. */
  get size(): number {
    return this.order.length;
  }

  /** The queues in the order given. */
  queues(): readonly string[] {
    return [...this.given];
  }

  /** The queues in cycle order now (a copy: a pop call sent now keeps its own order). */
  snapshot(): string[] {
    return [...this.order];
  }

  /** Adds a queue at the end of both orders; false when it was there already. */
  add(queue: string): boolean {
    if (this.given.includes(queue)) return false;
    this.given.push(queue);
    this.order.push(queue);
    return true;
  }

  /** Removes a queue; false when it was not there. */
  remove(queue: string): boolean {
    const at = this.given.indexOf(queue);
    if (at < 0) return false;
    this.given.splice(at, 1);
    this.order = this.order.filter((q) => q !== queue);
    return true;
  }

  /** The queue yielded a message: it goes last (unknown queues are ignored). */
  rotate(queue: string): void {
    const at = this.order.indexOf(queue);
    if (at < 0) return;
    this.order.splice(at, 1);
    this.order.push(queue);
  }
}
