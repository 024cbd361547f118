import { describe, expect, it } from 'vitest';
import { parseSimulatorArgs, SimulatorArgsError } from '../../../src-main/simulator/simulator.ts';

describe('batchdeck simulate arguments', () => {
  it('reads every option, in both --flag value and --flag=value forms', () => {
    expect(parseSimulatorArgs([
      '--port', '8089', '--host=0.0.0.0', '--latency-ms', '250', '--slots=8', '--tokens-per-second', '40.5',
      '--error-rate', '0.05', '--rate-limit-rate=0.1', '--model', 'llama-3-8b', '--model', 'qwen2', '--seed', '7',
    ])).toEqual({
      port: 8089, host: '0.0.0.0', latencyMs: 250, slots: 8, tokensPerSecond: 40.5, errorRate: 0.05, rateLimitRate: 0.1,
      models: ['llama-3-8b', 'qwen2'], seed: 7,
    });
  });

  it('needs only --port; port 0 means any free port', () => {
    expect(parseSimulatorArgs(['--port', '0'])).toEqual({ port: 0 });
  });

  it('asks for --port when it is missing', () => {
    expect(() => parseSimulatorArgs(['--slots', '2'])).toThrow(/missing --port/);
  });

  it.each([
    [['--port', '70000'], /--port must be a port number from 0 to 65535.*got "70000"/],
    [['--port', 'abc'], /--port must be a port number/],
    [['--port', '1', '--slots', '0'], /--slots must be a whole number >= 1, got "0"/],
    [['--port', '1', '--slots', '2.5'], /--slots must be a whole number/],
    [['--port', '1', '--latency-ms', '-5'], /--latency-ms must be a number >= 0, got "-5"/],
    [['--port', '1', '--tokens-per-second', '0'], /--tokens-per-second must be a number > 0/],
    [['--port', '1', '--error-rate', '1.5'], /--error-rate must be a fraction from 0 to 1/],
    [['--port', '1', '--rate-limit-rate', 'often'], /--rate-limit-rate must be a fraction/],
    [['--port', '1', '--model', ''], /--model must be a non-empty value/],
    [['--port', '1', '--latency-ms='], /--latency-ms must be a number >= 0, got ""/],
  ])('refuses %j with a message naming the option and the rule', (argv, message) => {
    expect(() => parseSimulatorArgs(argv)).toThrow(SimulatorArgsError);
    expect(() => parseSimulatorArgs(argv)).toThrow(message);
  });

  it('refuses a flag given without its value', () => {
    expect(() => parseSimulatorArgs(['--port', '1', '--slots'])).toThrow(/--slots needs a value/);
    expect(() => parseSimulatorArgs(['--port', '--slots', '2'])).toThrow(/--port needs a value/);
  });

  it('refuses unknown options and stray arguments, showing the usage', () => {
    expect(() => parseSimulatorArgs(['--port', '1', '--latency', '5'])).toThrow(/unknown option --latency; usage: --port P/);
    expect(() => parseSimulatorArgs(['--port', '1', 'extra'])).toThrow(/unexpected argument "extra"/);
  });
});
