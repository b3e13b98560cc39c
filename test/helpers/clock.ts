/**
 * A clock a test moves by hand (Kafka's MockTime): judgements of elapsed
 * time (heartbeats, session timeouts, lock hold) see only what the test
 * says has passed, so nothing sleeps to make time pass.
 */
import type {Clock} from '../../src/core/clock.js'

export class ManualClock implements Clock {
  constructor(private ms: number = Date.now()) {}

  now(): number {
    return this.ms
  }

  advance(ms: number): void {
    this.ms += ms
  }
}
