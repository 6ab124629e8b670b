import { describeProperties } from './describe-properties'

describeProperties('trackEvent')
