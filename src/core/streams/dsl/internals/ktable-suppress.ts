/**
 * KTable.suppress (Kafka's KTableSuppressProcessor): each update goes
 * into the buffer, at its window's end (untilWindowCloses) or its
 * timestamp (untilTimeLimit); after each, what is due is emitted, oldest
 * first: entries buffered at or before stream time minus the grace (or
 * the time limit). When the buffer holds more than maxRecords keys or
 * maxBytes bytes, the oldest
 * go early, or processing fails (shutDownWhenFull). A final result that is
 * a delete is not emitted (nothing was emitted for the window before it).
 * Emitted records keep the latest update's timestamp.
 */
import type {ProcessorContext, ProcessorSupplier} from '../../processor.js'
import {Record} from '../../record.js'
import type {SuppressionBuffer} from '../../state/suppression-buffer.js'
import {StreamsError} from '../../streams-error.js'
import type {Suppressed} from '../suppressed.js'
import type {Windowed} from '../windows.js'
import type {Change} from './change.js'

export function suppressProcessor(storeName: string, suppressed: Suppressed, suppressDurationMs: number): ProcessorSupplier {
  const {maxRecords, maxBytes, shutDownWhenFullFlag} = suppressed.buffer
  return () => {
    let ctx: ProcessorContext<unknown, Change<unknown>>
    let buffer: SuppressionBuffer<unknown, unknown>
    let observed = -1
    const emit = (e: {key: unknown; newValue: unknown; oldValue: unknown; timestamp: number}) => {
      if (e.newValue === null && suppressed.finalResults) return
      ctx.forward(new Record(e.key, {newValue: e.newValue, oldValue: e.oldValue}, e.timestamp))
    }
    return {
      init(c) {
        ctx = c as ProcessorContext<unknown, Change<unknown>>
        buffer = ctx.getStateStore(storeName)
      },
      process(r) {
        observed = Math.max(observed, r.timestamp())
        const change = r.value() as Change<unknown>
        const time = suppressed.finalResults ? (r.key() as Windowed<unknown>).window.end() : r.timestamp()
        buffer.put(time, r.key(), change.newValue, change.oldValue, r.timestamp())
        const expiry = observed - suppressDurationMs
        buffer.evictWhile(() => buffer.minTimestamp() <= expiry, emit)
        const full = () => buffer.numRecords() > maxRecords || buffer.bufferSize() > maxBytes
        if (full()) {
          if (shutDownWhenFullFlag) {
            const what = buffer.numRecords() > maxRecords ? `more than ${maxRecords} records` : `more than ${maxBytes} bytes`
            throw new StreamsError(`suppression buffer ${storeName} is full (${what})`, {hint: 'give BufferConfig a larger maxRecords or maxBytes, or emitEarlyWhenFull()'})
          }
          buffer.evictWhile(full, emit)
        }
      },
    }
  }
}
