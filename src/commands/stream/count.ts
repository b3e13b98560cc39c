import {oneStepCommandClass} from '../../cli/stream-one-step.js'

export default class StreamCount extends oneStepCommandClass('count') {}
