import type { InputField } from '@segment/actions-core'

export const device_id: InputField = {
  label: 'Device ID',
  description:
    'Identifies the device to Convertro (sent as `sid`). Convertro needs it on every call: an event without it is rejected.',
  type: 'string',
  required: true,
  default: { '@path': '$.context.device.id' }
}

export const timestamp: InputField = {
  label: 'Timestamp',
  description: 'When the event happened. Sent as whole Unix seconds (`ts`), truncated.',
  type: 'datetime',
  required: true,
  default: { '@path': '$.timestamp' }
}

export const user_agent: InputField = {
  label: 'User Agent',
  description: 'User agent of the device (sent as `cua`).',
  type: 'string',
  default: { '@path': '$.context.userAgent' }
}

export const ip: InputField = {
  label: 'IP Address',
  description:
    "IP address of the device (sent as `cip`). Events from a server-side source carry the server's IP unless it sets `context.ip`.",
  type: 'string',
  default: { '@path': '$.context.ip' }
}

/** The device context every Convertro call carries. */
export const contextFields = { device_id, timestamp, user_agent, ip }

export const order_id: InputField = {
  label: 'Order ID',
  description: 'The order ID (sent as `eid`).',
  type: 'string',
  default: { '@path': '$.properties.order_id' }
}

export const enable_batching: InputField = {
  label: 'Enable Batching',
  description:
    'When on, Segment delivers events to this action in batches. Convertro takes one event per call, so batching only sends several events at once; it adds the time Segment takes to gather a batch. Off unless you send more events than one at a time keeps up with.',
  type: 'boolean',
  default: false
}

export const batch_size: InputField = {
  label: 'Batch Size',
  description: 'Maximum number of events in one batch.',
  type: 'number',
  unsafe_hidden: true,
  minimum: 1,
  maximum: 100,
  default: 50
}

/** The device context every Convertro call carries, and Segment's batching controls. */
export const commonFields = { ...contextFields, enable_batching, batch_size }
