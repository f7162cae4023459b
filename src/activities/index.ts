export { describeWorker } from './probe';
