import { memoryMonitorStore } from '../../../functions/health/monitor-store.js';
import { describeMonitorLoop } from './monitor-scenarios.js';

describeMonitorLoop('the in-memory store', () => memoryMonitorStore());
