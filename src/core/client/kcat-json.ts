/**
 * kcat's -J envelope, field for field in kcat's order:
 *
 *   {"topic":"t","partition":0,"offset":3,"tstype":"create","ts":1700000000000,
 *    "broker":-1,"headers":["k","v",...],"key":"k","payload":"v"}
 *
 * then the -D delimiter (default "\n"). As kcat: `headers` appears only
 * when the record has headers, as one flat array of name, value, name,
 * value (a NULL header value is null); a NULL key or payload is null;
 * `tstype` is "logappend" for a batch stamped with LogAppendTime. `broker`
 * is the id of the broker the record was fetched from; a file store has no
 * broker, and -1 is what kcat prints when the id is unknown.
 *
 * Strings are written from the record's bytes as kcat's JSON writer (yajl,
 * without UTF-8 validation) writes them: `"`, `\` and control characters
 * escaped, every other byte as it is. So a payload that is not UTF-8 keeps
 * its bytes, and no string is made per record. The fields are written by
 * json-writer.ts, which logpipe's --json envelope shares.
 */
import type {RecordFormatter} from './format.js'
import {TIMESTAMP_TYPE_MASK} from '../record/batch-layout.js'
import {EnvelopeStart, HeaderWriter, writeByte, writeJsonNull, writeJsonString} from './json-writer.js'

const CREATE = Buffer.from(',"tstype":"create","ts":')
const LOG_APPEND = Buffer.from(',"tstype":"logappend","ts":')
const BROKER = Buffer.from(',"broker":-1')
const HEADERS = Buffer.from(',"headers":[')
const KEY = Buffer.from(',"key":')
const PAYLOAD = Buffer.from(',"payload":')

/** kcat -J; `delimiter` follows each envelope (kcat's -D, "\n" by default). */
export function kcatJsonFormatter(delimiter: Buffer = Buffer.from('\n')): RecordFormatter {
  const start = new EnvelopeStart()
  const headers = new HeaderWriter('flat', writeJsonString, writeJsonString)
  return (out, a, r) => {
    start.write(out, a, r)
    out.writeBytes((r.attributes & TIMESTAMP_TYPE_MASK) !== 0 ? LOG_APPEND : CREATE)
    out.writeInt(r.timestamp)
    out.writeBytes(BROKER)
    if (r.headerCount > 0) {
      out.writeBytes(HEADERS)
      headers.write(out, r)
      writeByte(out, 0x5d) // ]
    }
    out.writeBytes(KEY)
    if (r.keyLength < 0) writeJsonNull(out)
    else writeJsonString(out, r.buf, r.keyStart, r.keyStart + r.keyLength)
    out.writeBytes(PAYLOAD)
    if (r.valueLength < 0) writeJsonNull(out)
    else writeJsonString(out, r.buf, r.valueStart, r.valueStart + r.valueLength)
    writeByte(out, 0x7d) // }
    if (delimiter.length > 0) out.writeBytes(delimiter)
  }
}
