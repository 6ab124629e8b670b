import { describeProperties } from '../../__tests__/fuzz/jest'

describeProperties('trackEvent')
