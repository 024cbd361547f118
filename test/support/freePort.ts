export { freeLocalPort as getFreePort } from '../../src-main/core/net/freeLocalPort.ts';
