import {oneStepCommandClass} from '../../cli/stream-one-step.js'

export default class StreamMap extends oneStepCommandClass('map') {}
