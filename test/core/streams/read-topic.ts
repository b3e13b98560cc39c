/** A topic's records read from the files to its end, as "key=value" (value "null" for a tombstone): what streams tests compare. */
import {Consumer} from '../../../src/core/client/consumer.js'
import type {Store} from '../../../src/core/store/store.js'

export function readAll(store: Store, topic: string): string[] {
  const c = new Consumer(store, [topic])
  const out: string[] = []
  try {
    for (;;) {
      const {records} = c.poll((_a, r) => {
        out.push(`${r.key()?.toString()}=${r.value()?.toString() ?? null}`)
      })
      if (records === 0 && c.allAtEnd) return out
    }
  } finally {
    c.close()
  }
}
