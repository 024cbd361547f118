/**
 * Runnable stand-in rpc-server (node 24): `standin-rpc-server.ts -H 127.0.0.1 -p 50052 [--proto 3|4]
 * [--devices N] [--mem-total BYTES] [-d CUDA0,CUDA1] [-c]`. The sshd harness puts a wrapper named
 * rpc-server / ggml-rpc-server on the node's PATH that execs this file.
 */
import { parseStandinRpcArgs, startStandinRpcServer } from './standinRpcServer.ts';

const options = parseStandinRpcArgs(process.argv.slice(2));
try {
  await startStandinRpcServer(options);
} catch (err) {
  // The real rpc-server prints this and returns from main with status 0 when it cannot bind.
  options.logError('Failed to create server socket');
  options.logError(String((err as Error).message));
  process.exit(0);
}
process.on('SIGTERM', () => {
  if (options.ignoreTerm) options.log('SIGTERM ignored (stand-in test knob)');
  else process.exit(0);
});
