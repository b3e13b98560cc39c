import {StreamOneStepCommand, oneStepStatics} from '../../cli/stream-one-step.js'

const s = oneStepStatics('count')

export default class StreamCount extends StreamOneStepCommand {
  static override usage = s.usage
  static override summary = s.summary
  static override description = s.description
  static override examples = s.examples
  static override args = s.args
  static override flags = s.flags
  protected readonly op = 'count'
}
