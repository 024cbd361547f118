import { ApiError } from '../../../shared/contract/index.ts';

/*
 * The llama-server flags a client of the API may add to the coordinator's command line. Only flags that
 * tune what llama-server computes are allowed, each with its value checked; anything that names a file,
 * a host, a port, a model source or a key, and anything unknown, is refused. Spellings and arities follow
 * llama.cpp's common/arg.cpp: no `--flag=value` form, `_` read as `-` in long flags, one value per flag.
 */

type ValueCheck = (value: string) => boolean;

const int = (min: number, max: number): ValueCheck => (v) => /^-?\d{1,9}$/.test(v) && Number(v) >= min && Number(v) <= max;
const float = (min: number, max: number): ValueCheck => (v) => /^-?(?:\d{1,9}(?:\.\d{1,9})?|\.\d{1,9})(?:[eE][-+]?\d{1,3})?$/.test(v) && Number(v) >= min && Number(v) <= max;
const oneOf = (...values: string[]): ValueCheck => (v) => values.includes(v);
const either = (...checks: ValueCheck[]): ValueCheck => (v) => checks.some((c) => c(v));

const ON_OFF = ['on', 'off', 'auto', 'enabled', 'disabled', 'true', 'false', '1', '0', '-1'];
const KV_TYPES = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'iq4_nl', 'q5_0', 'q5_1'];

interface FlagSpec {
  /** null: a switch without a value. */
  value: ValueCheck | null;
  /** The value may be left out (older llama.cpp took `-fa` as a switch, newer ones take on|off|auto). */
  optional?: boolean;
  expects: string;
}

const SWITCH: FlagSpec = { value: null, expects: '' };
const COUNT: FlagSpec = { value: int(-1, 10_000_000), expects: 'a whole number' };
const NONNEG: FlagSpec = { value: int(0, 10_000_000), expects: 'a whole number >= 0' };
const THREADS: FlagSpec = { value: int(-1, 4096), expects: 'a whole number (-1 = default)' };
const FLOAT: FlagSpec = { value: float(-1e9, 1e9), expects: 'a number' };

function spec(spellings: string[], s: FlagSpec): [string, FlagSpec][] {
  return spellings.map((name) => [name, s]);
}

const ALLOWED = new Map<string, FlagSpec>([
  ...spec(['-c', '--ctx-size'], NONNEG),
  ...spec(['-n', '--predict', '--n-predict'], { value: int(-2, 10_000_000), expects: 'a whole number (-1 = unlimited)' }),
  ...spec(['-b', '--batch-size', '-ub', '--ubatch-size'], { value: int(1, 10_000_000), expects: 'a whole number >= 1' }),
  ...spec(['-np', '--parallel'], { value: int(-1, 4096), expects: 'a whole number of slots (-1 = auto)' }),
  ...spec(['-t', '--threads', '-tb', '--threads-batch', '--threads-http'], THREADS),
  ...spec(['-ngl', '--gpu-layers', '--n-gpu-layers'], { value: either(int(-1, 100_000), oneOf('auto', 'all')), expects: "a number of layers, 'auto' or 'all'" }),
  ...spec(['-ts', '--tensor-split'], { value: (v) => /^\d{1,9}(?:\.\d{1,9})?(?:[,/]\d{1,9}(?:\.\d{1,9})?){0,63}$/.test(v), expects: 'proportions separated by commas, like 3,1' }),
  ...spec(['-sm', '--split-mode'], { value: oneOf('none', 'layer', 'row', 'tensor'), expects: 'none, layer, row or tensor' }),
  ...spec(['-mg', '--main-gpu'], { value: int(0, 1024), expects: 'a GPU index' }),
  ...spec(['-dev', '--device'], { value: (v) => /^[A-Za-z][A-Za-z0-9_]{0,63}(?:,[A-Za-z][A-Za-z0-9_]{0,63}){0,63}$/.test(v), expects: 'device names separated by commas, like CUDA0,CUDA1 (or none)' }),
  ...spec(['-fa', '--flash-attn'], { value: oneOf(...ON_OFF), optional: true, expects: 'on, off or auto' }),
  ...spec(['-cb', '--cont-batching', '-nocb', '--no-cont-batching'], SWITCH),
  ...spec(['-kvo', '--kv-offload', '-nkvo', '--no-kv-offload', '-kvu', '--kv-unified', '-no-kvu', '--no-kv-unified'], SWITCH),
  ...spec(['-ctk', '--cache-type-k', '-ctv', '--cache-type-v'], { value: oneOf(...KV_TYPES), expects: KV_TYPES.join(', ') }),
  ...spec(['--no-mmap', '--mlock', '--swa-full', '--no-warmup', '--warmup', '--context-shift', '--no-context-shift',
    '--jinja', '--no-jinja', '--metrics', '--slots', '--no-slots', '--no-webui', '--no-ui', '-cmoe', '--cpu-moe', '--check-tensors'], SWITCH),
  ...spec(['-lm', '--load-mode'], { value: oneOf('auto', 'none', 'mmap', 'mlock', 'mmap+mlock', 'dio'), expects: 'auto, none, mmap, mlock, mmap+mlock or dio' }),
  ...spec(['-fit', '--fit'], { value: oneOf('on', 'off'), expects: 'on or off' }),
  ...spec(['-ncmoe', '--n-cpu-moe'], NONNEG),
  ...spec(['--numa'], { value: oneOf('distribute', 'isolate', 'numactl'), expects: 'distribute, isolate or numactl' }),
  ...spec(['-a', '--alias'], { value: (v) => /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}(?:,[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}){0,15}$/.test(v), expects: 'model names separated by commas (letters, digits, . _ : + -)' }),
  ...spec(['--temp', '--temperature', '--top-p', '--min-p', '--repeat-penalty', '--rope-freq-base', '--rope-freq-scale', '-dt', '--defrag-thold', '-sps', '--slot-prompt-similarity'], FLOAT),
  ...spec(['--top-k', '--keep', '--cache-reuse', '-to', '--timeout', '-cram', '--cache-ram', '-ctxcp', '--ctx-checkpoints', '--reasoning-budget', '-s', '--seed'], COUNT),
  ...spec(['--rope-scaling'], { value: oneOf('none', 'linear', 'yarn'), expects: 'none, linear or yarn' }),
  ...spec(['--pooling'], { value: oneOf('none', 'mean', 'cls', 'last', 'rank'), expects: 'none, mean, cls, last or rank' }),
  ...spec(['--embedding', '--embeddings', '--rerank', '--reranking'], SWITCH),
  ...spec(['-v', '--verbose', '--log-verbose'], SWITCH),
  ...spec(['-lv', '--verbosity', '--log-verbosity'], { value: int(0, 10), expects: 'a verbosity level 0-10' }),
]);

/** Flags refused with a reason of their own, because someone will try them. */
const REFUSED_BECAUSE: [RegExp, string][] = [
  [/^(?:-m|--model|-mu|--model-url|-hf|-hfr|--hf-repo|-hff|--hf-file|-hft|--hf-token|-dr|--docker-repo|-md|--model-draft|-hfd|-hfrd|--hf-repo-draft|--mmproj.*|-mm|-mmu|--lora.*|--control-vector.*)$/, 'it chooses what model files llama-server loads (the model is the request\'s model field, a file under --models-dir)'],
  [/^(?:--host|--port|--rpc|--path|--api-prefix|--api-key|--api-key-file|--ssl-key-file|--ssl-cert-file|--ssl-.*|--reuse-port|--webui-config.*|--tools|--mcp.*)$/, 'the coordinator sets where llama-server listens and what it connects to'],
  [/^(?:--log-file|--slot-save-path|--chat-template-file|--chat-template|--grammar-file|-jf|--json-schema-file|-f|--file|-bf|--binary-file|--prompt-cache|--lookup-cache.*|-lcs|-lcd|--override-kv|-ot|--override-tensor.*|--models-dir|--models-preset|--media-path|--system-prompt-file|-sysf|--props|-cd|--ctx-checkpoint-dir)$/, 'it reads or writes files, or changes what llama-server may do'],
];

function normalized(flag: string): string {
  // llama.cpp reads `_` as `-` in long flags; the same spelling must meet the same rule here.
  return flag.startsWith('--') ? flag.replace(/_/g, '-') : flag;
}

function refuse(message: string): never {
  throw new ApiError({ code: 'forbidden', message });
}

/** Checks every flag and value; returns the arguments unchanged when all are allowed. */
export function checkLlamaServerFlags(args: readonly string[]): string[] {
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!;
    const flag = normalized(raw);
    const s = ALLOWED.get(flag);
    if (!s) {
      const why = REFUSED_BECAUSE.find(([re]) => re.test(flag))?.[1];
      if (!flag.startsWith('-')) refuse(`llama-server argument ${JSON.stringify(raw)} is not allowed from the API: extra arguments are flags from the allow-list, each followed by its value`);
      refuse(`llama-server flag ${raw} is not allowed from the API${why ? `: ${why}` : ': it is not on the allow-list of flags that only tune llama-server (context size, slots, threads, batch sizes, GPU layers, tensor split, flash attention, ...)'}`);
    }
    if (s.value === null) continue;
    const next = args[i + 1];
    if (next === undefined || !s.value(next)) {
      if (s.optional && (next === undefined || next.startsWith('-'))) continue;
      refuse(`llama-server flag ${raw} needs ${s.expects}${next === undefined ? '' : `, not ${JSON.stringify(next.slice(0, 100))}`}`);
    }
    i++;
  }
  return [...args];
}
