import {lifecycleCommandClass} from '../../cli/connect-lifecycle.js'

export default class ConnectPause extends lifecycleCommandClass('pause') {}
