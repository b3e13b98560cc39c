import {lifecycleCommandClass} from '../../cli/connect-lifecycle.js'

export default class ConnectResume extends lifecycleCommandClass('resume') {}
