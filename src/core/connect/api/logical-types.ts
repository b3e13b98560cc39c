/**
 * Kafka Connect's logical types: a named schema over a primitive type whose
 * JavaScript value takes another form. Decimal is BYTES holding the unscaled
 * value big-endian two's complement, scale in the `scale` parameter; its
 * value here is a decimal string ("12.34") or, unscaled, a bigint. Date is
 * INT32 days since the epoch, Time INT32 milliseconds since midnight,
 * Timestamp INT64 milliseconds since the epoch; their values are Dates.
 */
import {ConnectDataError} from '../../errors.js'
import {type Schema, SchemaBuilder} from './schema.js'

const MS_PER_DAY = 86_400_000

export const Decimal = {
  LOGICAL_NAME: 'org.apache.kafka.connect.data.Decimal',
  SCALE_FIELD: 'scale',
  builder(scale: number): SchemaBuilder {
    return SchemaBuilder.bytes().name(Decimal.LOGICAL_NAME).parameter(Decimal.SCALE_FIELD, String(scale)).version(1)
  },
  schema(scale: number): Schema {
    return Decimal.builder(scale).build()
  },
  scaleOf(schema: Schema): number {
    const s = Number(schema.parameters?.[Decimal.SCALE_FIELD])
    if (!Number.isInteger(s)) throw new ConnectDataError('invalid Decimal schema: scale parameter not found')
    return s
  },
  /** A decimal string (or unscaled bigint) to its bytes. */
  fromLogical(schema: Schema, value: string | bigint): Buffer {
    return twosComplement(typeof value === 'bigint' ? value : unscaled(value, Decimal.scaleOf(schema)))
  },
  /** Bytes to the decimal string. */
  toLogical(schema: Schema, bytes: Uint8Array): string {
    return decimalString(fromTwosComplement(bytes), Decimal.scaleOf(schema))
  },
}

export const ConnectDate = {
  LOGICAL_NAME: 'org.apache.kafka.connect.data.Date',
  builder: (): SchemaBuilder => SchemaBuilder.int32().name(ConnectDate.LOGICAL_NAME).version(1),
  fromLogical(_schema: Schema, value: Date): number {
    const ms = value.getTime()
    if (ms % MS_PER_DAY !== 0) throw new ConnectDataError('Kafka Connect Date type should not have any time fields set to non-zero values')
    return ms / MS_PER_DAY
  },
  toLogical: (_schema: Schema, days: number): Date => new Date(days * MS_PER_DAY),
}

export const ConnectTime = {
  LOGICAL_NAME: 'org.apache.kafka.connect.data.Time',
  builder: (): SchemaBuilder => SchemaBuilder.int32().name(ConnectTime.LOGICAL_NAME).version(1),
  fromLogical(_schema: Schema, value: Date): number {
    const ms = value.getTime()
    if (ms < 0 || ms >= MS_PER_DAY) throw new ConnectDataError('Kafka Connect Time type should not have any date fields set to non-zero values')
    return ms
  },
  toLogical: (_schema: Schema, ms: number): Date => {
    if (ms < 0 || ms >= MS_PER_DAY) throw new ConnectDataError('time values must be between 0 and 86399999 milliseconds')
    return new Date(ms)
  },
}

export const ConnectTimestamp = {
  LOGICAL_NAME: 'org.apache.kafka.connect.data.Timestamp',
  builder: (): SchemaBuilder => SchemaBuilder.int64().name(ConnectTimestamp.LOGICAL_NAME).version(1),
  fromLogical: (_schema: Schema, value: Date): number => value.getTime(),
  toLogical: (_schema: Schema, ms: number): Date => new Date(ms),
}

function unscaled(text: string, scale: number): bigint {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim())
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new ConnectDataError(`not a decimal: ${JSON.stringify(text)}`)
  let digits = m[2] + (m[3] ?? '')
  let exp = -(m[3] ?? '').length + Number(m[4] ?? 0)
  // Rescale to the schema's scale; digits beyond it must be zeros (no rounding, as BigDecimal.setScale without a mode).
  const shift = exp + scale
  if (shift >= 0) digits += '0'.repeat(shift)
  else {
    const cut = digits.slice(digits.length + shift)
    if (/[^0]/.test(cut)) throw new ConnectDataError(`decimal ${text} has more digits than scale ${scale}`)
    digits = digits.slice(0, digits.length + shift)
  }
  exp = 0
  const n = BigInt(digits === '' ? '0' : digits)
  return m[1] === '-' ? -n : n
}

function decimalString(n: bigint, scale: number): string {
  const neg = n < 0n
  let s = (neg ? -n : n).toString()
  if (scale > 0) {
    s = s.padStart(scale + 1, '0')
    s = `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`
  } else if (scale < 0) s += '0'.repeat(-scale)
  return neg ? '-' + s : s
}

/** Big-endian two's complement in the fewest bytes, as Java's BigInteger.toByteArray. */
function twosComplement(n: bigint): Buffer {
  let bytes = 1
  while (n < -(1n << BigInt(8 * bytes - 1)) || n >= 1n << BigInt(8 * bytes - 1)) bytes++
  let v = n < 0n ? (1n << BigInt(8 * bytes)) + n : n
  const out = Buffer.alloc(bytes)
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return out
}

function fromTwosComplement(bytes: Uint8Array): bigint {
  if (bytes.length === 0) throw new ConnectDataError('empty Decimal bytes')
  let v = 0n
  for (const b of bytes) v = (v << 8n) | BigInt(b)
  return bytes[0] & 0x80 ? v - (1n << BigInt(8 * bytes.length)) : v
}
