/**
 * The Processor API users implement (Kafka's `processor.api`): a Processor
 * gets its context at init, each record in process, and forwards records
 * to its children; a context schedules punctuators on stream time (moved
 * by the records' timestamps) or wall-clock time, asks for a commit, and
 * hands out the state stores connected to the processor.
 */
import type {Record, RecordMetadata} from './record.js'
import type {StateStore} from './state/state-store.js'

export type PunctuationType = 'STREAM_TIME' | 'WALL_CLOCK_TIME'
export const PunctuationType = {STREAM_TIME: 'STREAM_TIME', WALL_CLOCK_TIME: 'WALL_CLOCK_TIME'} as const

export type Punctuator = (timestamp: number) => void

export interface Cancellable {
  cancel(): void
}

export interface ProcessorContext<KOut = unknown, VOut = unknown> {
  /** To every child, or to the one named. */
  forward(record: Record<KOut, VOut>, childName?: string): void
  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable
  /** Asks for a commit after the current record (offsets, stores, produced records together). */
  commit(): void
  getStateStore<S extends StateStore>(name: string): S
  recordMetadata(): RecordMetadata | null
  currentStreamTimeMs(): number
  currentSystemTimeMs(): number
  applicationId(): string
  taskId(): string
  /** Kafka's InternalProcessorContext.processorMetadataForKey: a value kept with the task's commits, as of the last one (null: none). @internal */
  processorMetadataForKey?(key: string): number | null
  /** Kafka's addProcessorMetadataKeyValue: committed with the input offsets at the next commit. @internal */
  addProcessorMetadataKeyValue?(key: string, value: number): void
}

export interface Processor<KIn = unknown, VIn = unknown, KOut = unknown, VOut = unknown> {
  init?(context: ProcessorContext<KOut, VOut>): void
  process(record: Record<KIn, VIn>): void
  close?(): void
}

/** Kafka's ProcessorSupplier: a new Processor per task. A function or an object with get(). */
export type ProcessorSupplier<KIn = unknown, VIn = unknown, KOut = unknown, VOut = unknown> =
  | (() => Processor<KIn, VIn, KOut, VOut>)
  | {get(): Processor<KIn, VIn, KOut, VOut>}

export function supplied<KIn, VIn, KOut, VOut>(s: ProcessorSupplier<KIn, VIn, KOut, VOut>): Processor<KIn, VIn, KOut, VOut> {
  return typeof s === 'function' ? s() : s.get()
}
