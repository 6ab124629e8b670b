import { describeError, describeSettingsError } from '../exchanges'

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

describe('describeSettingsError', () => {
  it("says the settings are refused, for actions-core's check of the settings fields", () => {
    const described = describeSettingsError(ajvError("The root value is missing the required field 'domain'."))
    expect(described).toMatchObject({ statusCode: 400, retryable: false, fields: { order_id: expect.any(String) } })
    expect(described.summary).toBe(
      "The settings are refused: The root value is missing the required field 'domain'. Nothing is sent with them."
    )
  })

  it("gives the destination's own reason without the wrapper testAuthentication puts around it", () => {
    const wrapped = new Error('Credentials are invalid:  The "domain" setting "a/b" is invalid: it has a path.')
    expect(describeSettingsError(wrapped)).toMatchObject({
      statusCode: 400,
      retryable: false,
      message: wrapped.message,
      summary:
        'The settings are refused: The "domain" setting "a/b" is invalid: it has a path. Nothing is sent with them.'
    })
  })
})
