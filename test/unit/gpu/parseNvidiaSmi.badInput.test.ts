import { describe, expect, it } from 'vitest';
import { NvidiaSmiParseError, parseNvidiaSmiXml } from '../../../src-main/core/gpu/parseNvidiaSmi.ts';
import { readCapture } from './support/fixtures.ts';

function errorFor(output: string): NvidiaSmiParseError {
  try {
    parseNvidiaSmiXml(output, 'local', 0);
  } catch (err) {
    if (err instanceof NvidiaSmiParseError) return err;
    throw err;
  }
  throw new Error('expected the output to be refused');
}

describe('output that is not an nvidia-smi document', () => {
  it('is refused when empty, saying nvidia-smi printed nothing', () => {
    expect(errorFor('').message).toMatch(/printed nothing/);
    expect(errorFor('  \n').message).toMatch(/printed nothing/);
  });

  it('is refused when it is plain text, quoting how it starts', () => {
    const message = errorFor('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.').message;
    expect(message).toMatch(/not nvidia-smi XML/);
    expect(message).toMatch(/NVIDIA-SMI has failed/);
  });

  it('is refused when it is another XML document, naming the root it found', () => {
    expect(errorFor('<?xml version="1.0"?><html><body>502 Bad Gateway</body></html>').message).toBe(
      'not nvidia-smi XML: expected root element <nvidia_smi_log>, found <html>',
    );
  });

  it('is refused when the document was cut short, rather than showing half the GPUs', () => {
    const whole = readCapture('datakit__gtx-8card.xml');
    const cut = whole.slice(0, Math.floor(whole.length / 2));
    expect(errorFor(cut).message).toMatch(/cut short/);
  });

  it('is refused when it is binary noise', () => {
    expect(errorFor('\u0000\u0001\u00ff\u0002garbage').message).toMatch(/^not nvidia-smi XML: expected root element <nvidia_smi_log>, found text/);
  });
});

describe('odd but valid documents', () => {
  it('reads a log with no GPUs as a host with none', () => {
    expect(parseNvidiaSmiXml('<nvidia_smi_log><driver_version>550.54.14</driver_version></nvidia_smi_log>', 'n1', 5)).toEqual({
      host: 'n1',
      at: 5,
      driverVersion: '550.54.14',
      cudaVersion: null,
      gpus: [],
    });
  });

  it('reads a bracketed placeholder such as [Unknown Error] as no value', () => {
    const xml = `<nvidia_smi_log><gpu id="00000000:01:00.0"><minor_number>0</minor_number>
      <fb_memory_usage><total>[Unknown Error]</total><used>Unknown Error</used><free>[N/A]</free></fb_memory_usage>
      <temperature><gpu_temp>Not Supported</gpu_temp></temperature>
      <gpu_power_readings><power_draw>[N/A]</power_draw><instant_power_draw>[N/A]</instant_power_draw></gpu_power_readings>
    </gpu></nvidia_smi_log>`;
    expect(parseNvidiaSmiXml(xml, 'local', 0).gpus[0]).toMatchObject({
      memoryUsedMiB: null,
      memoryTotalMiB: null,
      memoryFreeMiB: null,
      temperatureC: null,
      powerDrawW: null,
    });
  });

  it('decodes XML entities in process names', () => {
    const xml = `<nvidia_smi_log><gpu id="0"><processes><process_info><pid>7</pid>
      <process_name>python -c "a &amp;&amp; b"</process_name><used_memory>10 MiB</used_memory></process_info></processes></gpu></nvidia_smi_log>`;
    expect(parseNvidiaSmiXml(xml, 'local', 0).gpus[0]?.processes).toEqual([{ pid: 7, name: 'python -c "a && b"', usedMemoryMiB: 10 }]);
  });

  it('lists active clock reasons from a clocks_reasons block too, should a driver rename it again', () => {
    const xml = `<nvidia_smi_log><gpu id="0"><clocks_reasons>
      <clocks_reason_sw_thermal_slowdown>Active</clocks_reason_sw_thermal_slowdown>
      <clocks_reason_gpu_idle>Not Active</clocks_reason_gpu_idle></clocks_reasons></gpu></nvidia_smi_log>`;
    expect(parseNvidiaSmiXml(xml, 'local', 0).gpus[0]?.throttleReasons).toEqual(['sw_thermal_slowdown']);
  });

  it('sums the ECC counters that have a value when the legacy total is N/A', () => {
    const xml = `<nvidia_smi_log><gpu id="0"><ecc_errors><volatile>
      <single_bit><device_memory>2</device_memory><l1_cache>N/A</l1_cache><l2_cache>3</l2_cache><total>N/A</total></single_bit>
      <double_bit><device_memory>N/A</device_memory><total>N/A</total></double_bit>
    </volatile></ecc_errors></gpu></nvidia_smi_log>`;
    expect(parseNvidiaSmiXml(xml, 'local', 0).gpus[0]?.eccErrors).toEqual({
      volatileCorrected: 5,
      volatileUncorrected: null,
      aggregateCorrected: null,
      aggregateUncorrected: null,
    });
  });
});
