/**
 * Runnable stand-in llama-server (node 24):
 * `standin-llama-server.ts --rpc h1:p1,h2:p2 -m MODEL -ngl 99 --host 127.0.0.1 --port P [--standin-loading-ms N]`.
 */
import { parseStandinLlamaArgs, runStandinLlamaServer } from './standinLlamaServer.ts';

await runStandinLlamaServer(parseStandinLlamaArgs(process.argv.slice(2)));
