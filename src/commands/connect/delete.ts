import {lifecycleCommandClass} from '../../cli/connect-lifecycle.js'

export default class ConnectDelete extends lifecycleCommandClass('delete') {}
