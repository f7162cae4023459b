export {
  createIngress,
  ingressHttpLimits,
  type Ingress,
  type IngressConfig,
  type IngressOptions,
} from './ingress';
export { createIngressMetrics, type IngressMetrics } from './metrics';
export { callbackRoutes, callbackUrlFor, type CallbackRoute } from './routes';
export { authenticateCallback, callbackSignature, signedHeaders } from './signature';
export { isProbe, probeAnswer, probeBody } from './probe';
export { parseAuthKeys } from './authKeys';
