import { describeProperties } from './describe-properties'

describeProperties('orderCompleted')
