/**
 * GlobalKTable as Kafka's: builder.globalTable reads its whole topic into
 * a store every task reads; a stream joins it through a key selector
 * (not its own key, no repartition), inner or left; the description shows
 * the global store's sub-topology as Kafka's does.
 */
import {expect, test} from 'vitest'
import {Materialized, Named, Serdes, StreamsBuilder, TopologyTestDriver} from '../../../src/index.js'

const S = Serdes.String()
const PROPS = {'application.id': 'gkt', 'default.key.serde': S, 'default.value.serde': S}

function orders(left: boolean) {
  const b = new StreamsBuilder()
  const customers = b.globalTable<string, string>('customers', undefined, Materialized.as('customers-store'))
  const stream = b.stream<string, string>('orders')
  const selector = (_orderId: string, v: string) => v.split(':')[0]
  const joiner = (order: string, customer: string | null, orderId: string) => `${orderId} ${order.split(':')[1]} for ${customer}`
  ;(left ? stream.leftJoin(customers, selector, joiner) : stream.join(customers, selector, joiner, Named.as('enrich'))).to('enriched')
  return b.build()
}

test('a stream joins the global table on the key its selector gives; the table is as it is at that moment', () => {
  for (const left of [false, true]) {
    const d = new TopologyTestDriver(orders(left), PROPS)
    const c = d.createInputTopic('customers', S, S)
    const o = d.createInputTopic('orders', S, S)
    c.pipeInput('c1', 'Ann', 1)
    o.pipeInput('o1', 'c1:book', 2)
    o.pipeInput('o2', 'c2:pen', 3) // no c2 yet
    c.pipeInput('c2', 'Bob', 4)
    o.pipeInput('o3', 'c2:ink', 5)
    c.pipeInput('c1', null, 6) // Ann deleted
    o.pipeInput('o4', 'c1:cup', 7)
    o.pipeInput('o5', null, 8) // a null value never joins
    const out = d.createOutputTopic('enriched', S, S).readKeyValuesToList().map((r) => `${r.key}=${r.value}`)
    expect(out).toEqual(left ? ['o1=o1 book for Ann', 'o2=o2 pen for null', 'o3=o3 ink for Bob', 'o4=o4 cup for null'] : ['o1=o1 book for Ann', 'o3=o3 ink for Bob'])
    expect(d.getKeyValueStore<string, string>('customers-store')!.all()).toEqual([{key: 'c2', value: 'Bob'}])
  }
})

test("the description: the global store's sub-topology makes no tasks, and the stream is not repartitioned", () => {
  const desc = orders(false).describe().toString()
  expect(desc).toContain('Sub-topology: 0 for global store (will not generate tasks)\n    Source: KSTREAM-SOURCE-0000000000 (topics: [customers])\n      --> KTABLE-SOURCE-0000000001')
  expect(desc).toContain('Processor: KTABLE-SOURCE-0000000001 (stores: [customers-store])')
  expect(desc).toContain('Processor: enrich (stores: [])')
  expect(desc).not.toContain('repartition')
})
