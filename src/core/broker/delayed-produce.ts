/**
 * acks=all Produce requests waiting for the high watermark (Kafka's
 * DelayedProduce in its produce purgatory), for one partition's leader.
 *
 * Waiters are kept in the order they came, which is the order of their
 * target offsets (each waits for the log end just after its own append,
 * and the log end only grows while one broker leads), so a high watermark
 * that moves completes a prefix of the queue and looks at nothing else.
 * Each waiter arms one timer, once, for its request timeout: a follower
 * fetch that moves the high watermark costs the waiters it completes and
 * no more, however many produce requests are in flight.
 */

export type DelayedProduceVerdict = 'ok' | 'not-leader' | 'timeout'

interface Waiter {
  target: number
  done: boolean
  resolve: (verdict: DelayedProduceVerdict) => void
  timer: NodeJS.Timeout | null
  signal: AbortSignal
  onAbort: () => void
}

export class DelayedProduces {
  private queue: Waiter[] = []
  /** Index of the first waiter not yet completed (the queue is compacted lazily). */
  private head = 0
  /** Still the leader: asked when a verdict is due (a timeout may really be a lost leadership). */
  private readonly stillLeader: () => boolean

  constructor(stillLeader: () => boolean) {
    this.stillLeader = stillLeader
  }

  get size(): number {
    return this.queue.length - this.head
  }

  /** Resolves 'ok' once complete(hw) is called with hw >= target, 'not-leader' on failAll, 'timeout' after timeoutMs (or on abort). */
  wait(target: number, timeoutMs: number, signal: AbortSignal): Promise<DelayedProduceVerdict> {
    return new Promise((resolve) => {
      const w: Waiter = {
        target,
        done: false,
        resolve,
        timer: null,
        signal,
        onAbort: () => {
          this.finish(w, this.stillLeader() ? 'timeout' : 'not-leader')
          this.compact()
        },
      }
      if (signal.aborted) {
        resolve('timeout')
        return
      }
      w.timer = setTimeout(w.onAbort, timeoutMs)
      signal.addEventListener('abort', w.onAbort, {once: true})
      // Targets come in order (appends are synchronous, each waits for the log end it left); kept sorted should one not.
      let i = this.queue.length
      while (i > this.head && this.queue[i - 1].target > target) i--
      this.queue.splice(i, 0, w)
    })
  }

  /** The high watermark reached `hw`: every waiter at or below it is answered. */
  complete(hw: number): void {
    this.compact()
    if (this.size === 0 || this.queue[this.head].target > hw) return
    // One leadership check for all of them: an 'ok' must come from the broker that still leads.
    if (!this.stillLeader()) {
      this.failAll()
      return
    }
    while (this.head < this.queue.length && this.queue[this.head].target <= hw) this.finish(this.queue[this.head++], 'ok')
    this.compact()
  }

  /** Leadership ended: every waiter is answered NOT_LEADER_OR_FOLLOWER. */
  failAll(): void {
    const all = this.queue
    this.queue = []
    this.head = 0
    for (const w of all) this.finish(w, 'not-leader')
  }

  private finish(w: Waiter, verdict: DelayedProduceVerdict): void {
    if (w.done) return
    w.done = true
    if (w.timer) clearTimeout(w.timer)
    w.signal.removeEventListener('abort', w.onAbort)
    w.resolve(verdict)
    // A timed-out waiter in the middle stays in the queue, done, until the prefix before it completes.
  }

  private compact(): void {
    while (this.head < this.queue.length && this.queue[this.head].done) this.head++
    if (this.head === this.queue.length) {
      this.queue = []
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head)
      this.head = 0
    }
  }
}
