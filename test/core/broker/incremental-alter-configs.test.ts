/**
 * IncrementalAlterConfigs through the broker in-process, with our own codec
 * (kafkajs 2.2.4 and kafka-python 2.0.2 do not send it): SET, DELETE,
 * APPEND and SUBTRACT reach topic.json as `topic alter --config` writes it,
 * the led partition follows, and bad requests get Kafka's codes.
 */
import {connect, type Socket} from 'node:net'
import {join} from 'node:path'
import {afterEach, expect, test} from 'vitest'
import {Broker} from '../../../src/core/broker/broker.js'
import {defaultBrokerConfig} from '../../../src/core/broker/broker-config.js'
import {silentLog} from '../../../src/core/broker/broker-log.js'
import {Store} from '../../../src/core/store/store.js'
import {decodeResponseFrame, encodeRequestFrame} from '../../../src/core/wire/envelope.js'
import {ErrorCode} from '../../../src/core/wire/error-codes.js'
import {FrameSplitter} from '../../../src/core/wire/frame.js'
import {incrementalAlterConfigs} from '../../../src/core/wire/messages/44-incremental-alter-configs.js'
import {tempDir} from '../support.js'

const brokers: Broker[] = []
const sockets: Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  for (const b of brokers.splice(0)) await b.stop()
})

type Op = {name: string; configOperation: number; value: string | null}

async function alter(port: number, version: number, resources: {resourceType: number; resourceName: string; configs: Op[]}[], validateOnly = false) {
  const socket = connect({host: '127.0.0.1', port})
  sockets.push(socket)
  await new Promise((resolve) => socket.once('connect', resolve))
  const frames = new FrameSplitter()
  const frame = new Promise<Buffer>((resolve) => socket.on('data', (chunk: Buffer) => {
    for (const f of frames.push(chunk)) resolve(Buffer.from(f))
  }))
  socket.write(encodeRequestFrame(incrementalAlterConfigs, version, {correlationId: 1, clientId: 'test'}, {resources, validateOnly}))
  return decodeResponseFrame(incrementalAlterConfigs, version, await frame).body.responses
}

const topic = (configs: Op[], resourceName = 't') => ({resourceType: 2, resourceName, configs})

test('SET, DELETE, APPEND and SUBTRACT change topic.json; the led partition follows; validateOnly writes nothing', async () => {
  const dir = join(tempDir(), 'data')
  const store = Store.open(dir)
  store.createTopic('t', 1, 1, {'retention.ms': 1000})
  const b = await Broker.start({dataDir: dir, id: 1, host: '127.0.0.1', port: 0, nextFreePort: false, config: {...defaultBrokerConfig(), 'leadership.scan.interval.ms': 10}, log: silentLog})
  brokers.push(b)

  const dry = await alter(b.port, 0, [topic([{name: 'max.message.bytes', configOperation: 0, value: '5000'}])], true)
  expect(dry).toEqual([{errorCode: ErrorCode.NONE, errorMessage: null, resourceType: 2, resourceName: 't'}])
  expect(store.readTopic('t').config).toEqual({'retention.ms': 1000})

  const done = await alter(b.port, 1, [topic([
    {name: 'max.message.bytes', configOperation: 0, value: '5000'},
    {name: 'retention.ms', configOperation: 1, value: null},
    {name: 'cleanup.policy', configOperation: 2, value: 'compact'},
  ])])
  expect(done[0].errorCode).toBe(ErrorCode.NONE)
  expect(store.readTopic('t').config).toEqual({'max.message.bytes': 5000, 'cleanup.policy': 'delete,compact'})
  const deadline = Date.now() + 10_000
  while (b.replicas.get('t', 0)!.config['max.message.bytes'] !== 5000) {
    if (Date.now() > deadline) throw new Error('the partition never took the new max.message.bytes')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  expect((await alter(b.port, 1, [topic([{name: 'cleanup.policy', configOperation: 3, value: 'delete'}])]))[0].errorCode).toBe(ErrorCode.NONE)
  expect(store.readTopic('t').config['cleanup.policy']).toBe('compact')
})

test('an unknown key or a bad value is INVALID_CONFIG and changes nothing; other faults get their own codes', async () => {
  const dir = join(tempDir(), 'data')
  const store = Store.open(dir)
  store.createTopic('t', 1, 1, {})
  const b = await Broker.start({dataDir: dir, id: 1, host: '127.0.0.1', port: 0, nextFreePort: false, config: defaultBrokerConfig(), log: silentLog})
  brokers.push(b)
  const codes = async (resource: ReturnType<typeof topic>) => (await alter(b.port, 1, [resource]))[0]
  const unknown = await codes(topic([{name: 'retention.ms', configOperation: 0, value: '5'}, {name: 'no.such.key', configOperation: 0, value: '1'}]))
  expect(unknown).toMatchObject({errorCode: ErrorCode.INVALID_CONFIG, errorMessage: "unknown topic config 'no.such.key'"})
  expect((await codes(topic([{name: 'no.such.key', configOperation: 1, value: null}]))).errorCode).toBe(ErrorCode.INVALID_CONFIG)
  expect((await codes(topic([{name: 'retention.ms', configOperation: 0, value: 'soon'}]))).errorCode).toBe(ErrorCode.INVALID_CONFIG)
  expect((await codes(topic([{name: 'retention.ms', configOperation: 2, value: '5'}]))).errorCode).toBe(ErrorCode.INVALID_CONFIG)
  expect((await codes(topic([{name: 'retention.ms', configOperation: 9, value: '5'}]))).errorCode).toBe(ErrorCode.INVALID_REQUEST)
  expect((await codes(topic([{name: 'retention.ms', configOperation: 0, value: '5'}, {name: 'retention.ms', configOperation: 1, value: null}]))).errorCode).toBe(ErrorCode.INVALID_REQUEST)
  expect((await codes(topic([{name: 'retention.ms', configOperation: 0, value: '5'}], 'nope'))).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  expect((await codes({resourceType: 4, resourceName: '1', configs: []})).errorCode).toBe(ErrorCode.INVALID_REQUEST)
  expect(store.readTopic('t').config).toEqual({})
})
