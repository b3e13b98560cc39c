/**
 * kafkajs (npm, a client nobody here wrote) against a logpipe broker: its
 * producer, plain and gzip, and its admin client (topics, partitions,
 * metadata, offsets by position and by time, configs).
 */
import {describe, expect, test} from 'vitest'
import {CompressionTypes, Kafka, logLevel} from 'kafkajs'
import {cli} from '../helpers/cli.js'
import {startBroker} from '../helpers/broker.js'

function client(address: string): Kafka {
  return new Kafka({clientId: 'logpipe-test', brokers: [address], logLevel: logLevel.NOTHING, retry: {retries: 2}})
}

describe('kafkajs against a broker', () => {
  test('the producer sends plain and gzip batches; logpipe consume reads them from the files', async () => {
    const c = cli()
    const broker = await startBroker(c.env)
    const kafka = client(broker.address)
    const admin = kafka.admin()
    await admin.connect()
    expect(await admin.createTopics({topics: [{topic: 'js', numPartitions: 1}]})).toBe(true)
    const producer = kafka.producer({allowAutoTopicCreation: false})
    await producer.connect()
    const plain = await producer.send({topic: 'js', acks: -1, messages: [{key: 'a', value: '1', headers: {h: 'x'}}, {key: 'b', value: '2'}]})
    expect(plain).toEqual([expect.objectContaining({topicName: 'js', partition: 0, errorCode: 0, baseOffset: '0'})])
    const gz = await producer.send({topic: 'js', compression: CompressionTypes.GZIP, messages: [{key: 'c', value: '3'}, {key: 'd', value: '4'}]})
    expect(gz[0].baseOffset).toBe('2')
    await producer.disconnect()

    expect(await admin.fetchTopicOffsets('js')).toEqual([{partition: 0, offset: '4', high: '4', low: '0'}])
    const meta = await admin.fetchTopicMetadata({topics: ['js']})
    expect(meta.topics[0].partitions).toEqual([expect.objectContaining({partitionId: 0, leader: 0, replicas: [0], isr: [0]})])
    await admin.disconnect()
    await broker.stop()

    const files = await c.run(['consume', 'js', '-e', '-F', '%o %k %s %h\n'])
    expect(String(files.stdout)).toBe('0 a 1 h=x\n1 b 2 \n2 c 3 \n3 d 4 \n')
  })

  test('the admin client: partitions added, offsets by time, configs, topics deleted', async () => {
    const c = cli()
    await c.run(['topic', 'create', 'cfg', '--config', 'retention.ms=1000000'])
    const broker = await startBroker(c.env)
    const kafka = client(broker.address)
    const admin = kafka.admin()
    await admin.connect()

    const producer = kafka.producer()
    await producer.connect()
    const t0 = Date.now() - 10_000
    await producer.send({topic: 'cfg', messages: [0, 1, 2].map((i) => ({value: `v${i}`, timestamp: String(t0 + i * 1000)}))})
    await producer.disconnect()
    expect(await admin.fetchTopicOffsetsByTimestamp('cfg', t0 + 1500)).toEqual([{partition: 0, offset: '2'}])
    // No record that late: the broker answers -1, as Kafka does, which kafkajs turns into the high watermark.
    expect(await admin.fetchTopicOffsetsByTimestamp('cfg', t0 + 99_000)).toEqual([{partition: 0, offset: '3'}])

    await admin.createPartitions({topicPartitions: [{topic: 'cfg', count: 3}]})
    const meta = await admin.fetchTopicMetadata({topics: ['cfg']})
    expect(meta.topics[0].partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2])
    await expect(admin.createPartitions({topicPartitions: [{topic: 'cfg', count: 2}]})).rejects.toThrow(/partitions/i)

    const described = await admin.describeConfigs({resources: [{type: 2, name: 'cfg', configNames: ['retention.ms', 'segment.bytes']}], includeSynonyms: false})
    const entries = Object.fromEntries(described.resources[0].configEntries.map((e) => [e.configName, {value: e.configValue, isDefault: e.isDefault}]))
    expect(entries).toEqual({'retention.ms': {value: '1000000', isDefault: false}, 'segment.bytes': {value: '134217728', isDefault: true}})

    await expect(admin.createTopics({topics: [{topic: 'cfg'}]})).resolves.toBe(false)
    await admin.deleteTopics({topics: ['cfg']})
    expect(await admin.listTopics()).toEqual([])
    await admin.disconnect()
  })
})
