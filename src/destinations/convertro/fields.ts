import type { InputField } from '@segment/actions-core'

// The device id's presence is checked when the call is built, not with `required: true`: the schema check
// would throw a generic validation error, where the contract wants a PayloadValidationError naming `sid`.

export const device_id: InputField = {
  label: 'Device ID',
  description: 'Identifies the device to Convertro (sent as `sid`). Required by Convertro on every call.',
  type: 'string',
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
  description: 'IP address of the device (sent as `cip`).',
  type: 'string',
  default: { '@path': '$.context.ip' }
}

/** The device context every Convertro call carries. */
export const contextFields = { device_id, timestamp, user_agent, ip }

export const order_id: InputField = {
  label: 'Order ID',
  description: 'The order id (sent as `eid`).',
  type: 'string',
  default: { '@path': '$.properties.order_id' }
}

export const enable_batching: InputField = {
  label: 'Enable Batching',
  description:
    'When enabled, Segment delivers events to this action in batches. Convertro takes one event per call, so each event still gets its own calls and its own result.',
  type: 'boolean',
  default: true
}

export const batch_size: InputField = {
  label: 'Batch Size',
  description: 'Most events Segment delivers in one batch.',
  type: 'number',
  unsafe_hidden: true,
  minimum: 1,
  maximum: 1000,
  default: 100
}

/** The device context every Convertro call carries, and Segment's batching controls. */
export const commonFields = { ...contextFields, enable_batching, batch_size }
