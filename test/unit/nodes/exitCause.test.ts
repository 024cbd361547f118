import { describe, expect, it } from 'vitest';
import { exitCause } from '../../../src-main/core/nodes/exitCause.ts';

/** The tail of a real llama-server that aborted when an rpc-server died: ggml runs gdb, which fills the log. */
const ABORTED = [
  'srv  update_slots: all slots are idle',
  'slot launch_slot_: id  1 | task 88 | processing task',
  '/llama.cpp/ggml/src/ggml-rpc/ggml-rpc.cpp:621: Remote RPC server crashed or returned malformed response',
  '[New LWP 40211]',
  '[New LWP 40212]',
  '[Thread debugging using libthread_db enabled]',
  'Using host libthread_db library "/lib/x86_64-linux-gnu/libthread_db.so.1".',
  '0x00007f3c2f8ea42f in __GI___wait4 (pid=40220, stat_loc=0x0, options=0, usage=0x0) at ../sysdeps/unix/sysv/linux/wait4.c:30',
  '30\t../sysdeps/unix/sysv/linux/wait4.c: No such file or directory.',
  '#0  0x00007f3c2f8ea42f in __GI___wait4 (pid=40220, stat_loc=0x0, options=0, usage=0x0) at ../sysdeps/unix/sysv/linux/wait4.c:30',
  '#1  0x00007f3c2fd0a7c3 in ggml_print_backtrace () from /opt/llama/bin/libggml-base.so',
  '#2  0x00007f3c2fd0a91e in ggml_abort () from /opt/llama/bin/libggml-base.so',
  '#3  0x00007f3c2fc41b2a in ggml_backend_rpc_graph_compute(...) () from /opt/llama/bin/libggml-rpc.so',
  '[Inferior 1 (process 40200) detached]',
];

describe('the exit reason of llama-server', () => {
  it('is the cause line, not a debugger backtrace line', () => {
    expect(exitCause(ABORTED)).toBe('/llama.cpp/ggml/src/ggml-rpc/ggml-rpc.cpp:621: Remote RPC server crashed or returned malformed response');
  });

  it('skips a debugger that could not attach', () => {
    const lines = ['llama_model_load: error loading model: tensor output.weight is missing', 'ptrace: Operation not permitted.', 'Could not attach to process.  If your uid matches the uid of the target', 'No stack.', 'The program is not being run.'];
    expect(exitCause(lines)).toBe('llama_model_load: error loading model: tensor output.weight is missing');
  });

  it('prefers GGML_ASSERT over a later generic line', () => {
    expect(exitCause(['GGML_ASSERT(n_tokens <= n_batch) failed', 'main: exiting due to model loading error'])).toBe('GGML_ASSERT(n_tokens <= n_batch) failed');
  });

  it('gives nothing when the log has no failure, unless the last ordinary line is asked for', () => {
    const lines = ['slot launch_slot_: id  3 | task 52 | processing task', '#0  0x0000 in ?? ()'];
    expect(exitCause(lines)).toBeNull();
    expect(exitCause(lines, { orLast: true })).toBe('slot launch_slot_: id  3 | task 52 | processing task');
  });
});
