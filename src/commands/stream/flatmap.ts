import {oneStepCommandClass} from '../../cli/stream-one-step.js'

export default class StreamFlatmap extends oneStepCommandClass('flatmap') {}
