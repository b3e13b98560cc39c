import {oneStepCommandClass} from '../../cli/stream-one-step.js'

export default class StreamFilter extends oneStepCommandClass('filter') {}
