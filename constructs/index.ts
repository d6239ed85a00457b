export * from './alerts';
export * from './egress';
export * from './external-secrets';
export * from './flux';
export * from './namespace';
export * from './tailscale';
export * from './verify';
export * from './helm-app';
