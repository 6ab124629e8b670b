import { describeProperties } from '../../../../../test/fuzz/describe-properties'

describeProperties('appInstalled')
