import { describeProperties } from './describe-properties'

describeProperties('appInstalled')
