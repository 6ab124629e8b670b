import { describeError } from '../exchanges'

/** An error shaped as actions-core's payload validation error: iterable over its fields' errors. */
function ajvError(message: string) {
  const fields = [{ path: '$.order_id', message }]
  return Object.assign(new Error(message), { name: 'AggregateAjvError', [Symbol.iterator]: () => fields.values() })
}

describe('describeError', () => {
  it.each([
    [
      "The root value is missing the required field 'order_id'.",
      "The root value is missing the required field 'order_id'."
    ],
    [
      "The root value is missing the required field 'order_id'",
      "The root value is missing the required field 'order_id'."
    ]
  ])('ends a validation summary with one period, whether the message has one or not (%s)', (message, said) => {
    expect(describeError(ajvError(message)).summary).toBe(
      `The mapped event does not fit the action's fields: ${said} Segment would not retry it.`
    )
  })
})
