import { describeProperties } from './describe-properties'

describeProperties('identifyUser')
