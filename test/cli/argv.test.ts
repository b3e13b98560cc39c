import {describe, expect, test} from 'vitest'
import {normalizeArgv} from '../../src/cli/argv.js'

describe('normalizeArgv', () => {
  test.each([
    {typed: ['--data-dir', 'D', 'topic', 'list'], argv: ['topic', 'list', '--data-dir', 'D']},
    {typed: ['--data-dir=D', '-q', 'consume', 't', '-e'], argv: ['consume', 't', '-e', '--data-dir=D', '-q']},
    {typed: ['--json', 'produce', 't', '--', '-'], argv: ['produce', 't', '--json', '--', '-']},
    {typed: ['topic', 'list', '--data-dir', 'D'], argv: ['topic', 'list', '--data-dir', 'D']},
    {typed: ['help'], argv: ['--help']},
    {typed: ['help', 'topic', 'create'], argv: ['topic', 'create', '--help']},
    {typed: ['--data-dir', 'D', 'help', 'consume'], argv: ['consume', '--help', '--data-dir', 'D']},
    {typed: ['-h'], argv: ['--help']},
    {typed: ['-q'], argv: ['-q']},
    {typed: ['--version'], argv: ['--version']},
  ])('$typed.0 $typed.1 $typed.2', ({typed, argv}) => {
    expect(normalizeArgv(typed)).toEqual(argv)
  })
})
