import {describe, expect, test} from 'vitest'
import {formatPlan, parsePlan} from '../../../src/core/broker/reassignment.js'
import {UsageError} from '../../../src/core/errors.js'
import {checkReassigning, reassignmentTarget} from '../../../src/core/store/replica-assignment.js'
import {parseTopicMeta} from '../../../src/core/store/store.js'

const topicJson = (extra: Record<string, unknown>) =>
  JSON.stringify({partitions: 2, replicationFactor: 2, id: 'id', createdAt: '2026-01-01T00:00:00.000Z', config: {}, replicas: [[1, 2], [2, 3]], ...extra})

describe("kafka-reassign-partitions' plan", () => {
  test('read as Kafka writes it, and written back the same way', () => {
    const text = '{"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[2,3,1],"log_dirs":["any","any","any"]},{"topic":"orders","partition":1,"replicas":[3,1,2]}]}'
    const plans = parsePlan(text, 'plan.json')
    expect(plans).toEqual([
      {topic: 'orders', partition: 0, replicas: [2, 3, 1]},
      {topic: 'orders', partition: 1, replicas: [3, 1, 2]},
    ])
    expect(parsePlan(formatPlan(plans), 'again')).toEqual(plans)
  })

  test.each([
    ['[]', /not a JSON object/],
    ['{"version":2,"partitions":[]}', /version 2 is not 1/],
    ['{"version":1,"partitions":[]}', /not a non-empty list/],
    ['{"partitions":[{"topic":"t","partition":-1,"replicas":[1]}]}', /partition is not a partition number/],
    ['{"partitions":[{"topic":"t","partition":0,"replicas":["1"]}]}', /replicas is not a list of broker ids/],
    ['{"partitions":[{"topic":"t","partition":0,"replicas":[1],"log_dirs":["/disk2"]}]}', /may only say "any"/],
    ['{"partitions":[{"topic":"t","partition":0,"replicas":[1]},{"topic":"t","partition":0,"replicas":[2]}]}', /t-0 is listed twice/],
    ['{"partitions":', /not JSON/],
  ])('%s is refused', (text, why) => {
    expect(() => parsePlan(text, 'plan.json')).toThrow(UsageError)
    expect(() => parsePlan(text, 'plan.json')).toThrow(why)
  })
})

describe("topic.json's reassigning entry", () => {
  test('a partition being moved lists the target replicas, then the leaving ones', () => {
    const {meta} = parseTopicMeta(topicJson({replicas: [[3, 2, 1], [2, 3]], reassigning: {'0': {adding: [3], removing: [1]}}}), 'topic.json', 't')
    expect(meta.replicas).toEqual([[3, 2, 1], [2, 3]])
    expect(meta.reassigning).toEqual({0: {adding: [3], removing: [1]}})
    expect(reassignmentTarget(meta.replicas![0], meta.reassigning![0])).toEqual([3, 2])
    expect(reassignmentTarget(meta.replicas![1], meta.reassigning![1])).toEqual([2, 3])
  })

  test.each([
    [{replicas: [[], [2, 3]]}, /replicas of partition 0 is not a list of 1 to 100 broker ids/],
    [{replicas: [[3], [2, 3]], reassigning: {'0': {adding: [], removing: [3]}}}, /replicas of partition 0 is not a list of 1 to 101 broker ids/],
    [{replicas: [[3, 2, 1], [2, 3]], reassigning: {'0': {adding: [3], removing: [4]}}}, /does not list its adding and removing replicas among its replicas/],
    [{reassigning: {'5': {adding: [], removing: []}}}, /names partition "5"/],
    [{reassigning: []}, /reassigning is not an object/],
    [{replicas: [[3, 2, 1], [2, 3]], reassigning: {'0': {adding: [3], removing: [3]}}}, /both adds and removes/],
  ])('%j is damage', (extra, why) => {
    expect(() => parseTopicMeta(topicJson(extra), 'topic.json', 't')).toThrow(why)
  })

  test('partitions may differ in replication factor (a reassignment changed one), each counted without its leaving replicas', () => {
    const {meta} = parseTopicMeta(topicJson({replicas: [[3, 2, 1], [2]]}), 'topic.json', 't')
    expect(meta.replicas).toEqual([[3, 2, 1], [2]])
    const moving = parseTopicMeta(topicJson({replicas: [[1], [2, 3, 1]], reassigning: {'1': {adding: [], removing: [3, 1]}}}), 'topic.json', 't').meta
    expect(reassignmentTarget(moving.replicas![1], moving.reassigning![1])).toEqual([2])
  })

  test('on a topic without replicas it is damage too', () => {
    expect(checkReassigning({}, undefined)).toMatch(/without replicas/)
  })
})
