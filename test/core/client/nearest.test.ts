import {describe, expect, test} from 'vitest'
import {editDistance, nearest} from '../../../src/core/client/nearest.js'

describe('nearest', () => {
  test.each([
    {word: 'partitons', candidates: ['partitions', 'config', 'replication-factor'], want: 'partitions'},
    {word: 'exit-at-edn', candidates: ['exit-at-end', 'offset'], want: 'exit-at-end'},
    {word: 'topic creat', candidates: ['topic create', 'topic delete', 'consume'], want: 'topic create'},
    {word: 'zzzzzz', candidates: ['partitions', 'offset'], want: null},
    {word: 'x', candidates: ['y', 'z'], want: 'y'},
    {word: 'auto.offset.rest', candidates: ['auto.offset.reset', 'group.id'], want: 'auto.offset.reset'},
  ])('$word', ({word, candidates, want}) => {
    expect(nearest(word, candidates)).toBe(want)
  })

  test('a swap of neighbours is one edit', () => {
    expect(editDistance('ab', 'ba')).toBe(1)
    expect(editDistance('kitten', 'sitting')).toBe(3)
    expect(editDistance('', 'abc')).toBe(3)
  })
})
