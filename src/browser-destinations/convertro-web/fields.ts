import type { InputField } from '@segment/actions-core'

export const order_id: InputField = {
  label: 'Order ID',
  description: 'The order ID (pushed as `id`).',
  type: 'string',
  default: { '@path': '$.properties.order_id' }
}
