import {lifecycleCommandClass} from '../../cli/connect-lifecycle.js'

export default class ConnectStop extends lifecycleCommandClass('stop') {}
